/// A box for state that only the owning ``EventLoop``'s thread may touch.
///
/// Safety: `@unchecked Sendable` is sound because every access goes through `value`, whose
/// accessors check `loop.inEventLoop` and stop the process on violation. The box may therefore be
/// *passed* between threads (stored in Sendable objects, captured by jobs sent to the loop), but
/// its contents are read and written by exactly one thread, so no data race can occur. The check
/// guards an internal invariant of the runtime, never anything derived from outside input.
///
/// Exclusivity: `storage` is `@exclusivity(unchecked)` — the loop's hottest paths touch these boxes
/// several times per message, and dynamic enforcement cost more than the work. This is sound
/// because one thread does all accesses, and no runtime code calls out while holding an access to
/// a box's value that the callee might access again (reads copy what they need; modifications are
/// local to the statement that makes them).
final class LoopBound<Value>: @unchecked Sendable {
    @exclusivity(unchecked) private var storage: Value
    let loop: EventLoop

    init(_ value: Value, loop: EventLoop) {
        self.storage = value
        self.loop = loop
    }

    var value: Value {
        _read {
            precondition(loop.inEventLoop, "LoopBound accessed off its event loop")
            yield storage
        }
        _modify {
            precondition(loop.inEventLoop, "LoopBound accessed off its event loop")
            yield &storage
        }
    }
}
