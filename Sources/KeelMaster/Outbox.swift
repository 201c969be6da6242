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

    init() {
        let (stream, continuation) = AsyncStream<Call>.makeStream()
        self.continuation = continuation
        worker = Task {
            for await call in stream { await call() }
        }
    }

    /// Queues `call` after everything queued before it.
    func enqueue(_ call: @escaping Call) { continuation.yield(call) }

    /// Stops after the calls already queued.
    func close() { continuation.finish() }

    deinit { continuation.finish() }
}
