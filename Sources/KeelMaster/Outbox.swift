/// An ordered, asynchronous queue of calls to one peer actor.
///
/// The master must not wait on a framework or agent while handling another's request, yet the peer must see calls
/// in the order the master made them (a rescind after its offer, a task's updates in order). Each peer therefore
/// gets one outbox: calls are enqueued synchronously and one task performs them one after another.
///
/// Sendable: it holds only an `AsyncStream` continuation (Sendable) and a `Task` handle (Sendable).
final class Outbox: Sendable {
    typealias Call = @Sendable () async -> Void

    private let continuation: AsyncStream<Call>.Continuation
    private let worker: Task<Void, Never>

    /// An outbox whose calls run on `executor` (the master's event loop: encoding, sending and resuming on the
    /// reply then happen on the thread that does the I/O, with no hop to the pool).
    init(executor: (any TaskExecutor)? = nil) {
        let (stream, continuation) = AsyncStream<Call>.makeStream()
        self.continuation = continuation
        worker = Task(executorPreference: executor) {
            for await call in stream { await call() }
        }
    }

    /// Queues `call` after everything queued before it.
    func enqueue(_ call: @escaping Call) { continuation.yield(call) }

    /// Stops after the calls already queued.
    func close() { continuation.finish() }

    deinit { continuation.finish() }
}
