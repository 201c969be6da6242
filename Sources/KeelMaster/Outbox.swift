import Synchronization

/// An ordered, asynchronous queue of calls to one peer actor, which coalesces runs of batchable calls.
///
/// The master must not wait on a framework or agent while handling another's request, yet the peer must see calls
/// in the order the master made them (a rescind after its offer, a task's updates in order). Each peer therefore
/// gets one outbox: calls are enqueued synchronously and one task performs them one after another.
///
/// Calls that take a list (status updates, acknowledgements, task launches) are queued with
/// ``enqueue(batching:_:_:)``: an item joins the batch at the tail of the queue when that batch has the same key and
/// has not started yet, so while one call is in flight the next ones gather into a single call. Order is kept
/// exactly: an item never joins a batch queued before a different call. Under light load every batch holds one
/// item and nothing waits for company (no timer is involved).
///
/// Enqueue from one isolation domain at a time (the master's). Sendable: it holds an `AsyncStream` continuation, a
/// `Task` handle and a mutex-guarded reference to the open batch, all Sendable.
final class Outbox: Sendable {
    typealias Call = @Sendable () async -> Void

    /// The batch at the tail of the queue that new items of the same key may still join.
    private struct OpenBatch: Sendable {
        var key: String
        var box: any Sendable & AnyObject
    }

    /// The items of one batch; appended to only while it is the open batch, taken once when its call starts.
    private final class BatchBox<Item: Sendable>: Sendable {
        let items: Mutex<[Item]>
        init(_ first: Item) { items = Mutex([first]) }
    }

    private let continuation: AsyncStream<Call>.Continuation
    private let worker: Task<Void, Never>
    private let open: Mutex<OpenBatch?> = Mutex(nil)

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
    func enqueue(_ call: @escaping Call) {
        open.withLock { $0 = nil }
        continuation.yield(call)
    }

    /// Queues `item` for a call taking a list: it joins the not yet started batch of the same `key` at the tail of
    /// the queue, or starts a new batch there that `send` performs with every item gathered by the time it runs.
    func enqueue<Item: Sendable>(batching key: String, _ item: Item,
                                 _ send: @escaping @Sendable ([Item]) async -> Void) {
        let joined = open.withLock { open -> Bool in
            guard let open, open.key == key, let box = open.box as? BatchBox<Item> else { return false }
            box.items.withLock { $0.append(item) }
            return true
        }
        if joined { return }
        let box = BatchBox(item)
        open.withLock { $0 = OpenBatch(key: key, box: box) }
        continuation.yield { [self] in
            // Closed under the same lock that joins: no item can arrive after the batch was taken.
            let items = open.withLock { open -> [Item] in
                if let current = open, current.box === box { open = nil }
                return box.items.withLock { items in
                    defer { items = [] }
                    return items
                }
            }
            await send(items)
        }
    }

    /// Stops after the calls already queued.
    func close() { continuation.finish() }

    deinit { continuation.finish() }
}
