/// A box for state that only the owning ``EventLoop``'s thread may touch.
///
/// Safety: `@unchecked Sendable` is sound because every access goes through `value`, whose
/// accessors check `loop.inEventLoop` and stop the process on violation. The box may therefore be
/// *passed* between threads (stored in Sendable objects, captured by jobs sent to the loop), but
/// its contents are read and written by exactly one thread, so no data race can occur. The check
/// guards an internal invariant of the runtime, never anything derived from outside input.
final class LoopBound<Value>: @unchecked Sendable {
    private var storage: Value
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
