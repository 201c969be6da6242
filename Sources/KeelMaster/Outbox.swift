import Synchronization

/// An ordered, asynchronous queue of calls to one peer actor, which coalesces runs of batchable calls.
///
/// The master must not wait on a framework or agent while handling another's request, yet the peer must see calls
/// in the order the master made them (a rescind after its offer, a task's updates in order). Each peer therefore
/// gets one outbox: calls are enqueued synchronously and performed one after another by one worker task.
///
/// The worker exists only while calls are queued: the first call into an idle outbox starts it, and it ends when it
/// finds the queue empty (deciding so under the same lock that enqueues, so no call is ever left behind). An idle
/// outbox is a few words of memory — the master holds one per agent it ever called, 50,000 at scale, and a parked
/// task per outbox cost both memory and a burst of allocations when the first pings reached every agent.
///
/// Calls that take a list (status updates, acknowledgements, task launches) are queued with
/// ``enqueue(batching:_:_:)``: an item joins the batch at the tail of the queue when that batch has the same key and
/// has not started yet, so while one call is in flight the next ones gather into a single call. Order is kept
/// exactly: an item never joins a batch queued before a different call. Under light load every batch holds one
/// item and nothing waits for company (no timer is involved).
final class Outbox: Sendable {
    typealias Call = @Sendable () async -> Void

    /// The batch at the tail of the queue that new items of the same key may still join.
    private struct OpenBatch {
        var key: String
        var box: any Sendable & AnyObject
    }

    /// The items of one batch; appended to only while it is the open batch, taken once when its call starts (both
    /// under the outbox's lock).
    private final class BatchBox<Item: Sendable>: Sendable {
        let items: Mutex<[Item]>
        init(_ first: Item) { items = Mutex([first]) }
    }

    private struct State {
        /// Calls not started yet: `queue[head...]` (the consumed prefix is dropped once it outweighs the rest).
        var queue: [Call?] = []
        var head = 0
        var open: OpenBatch?
        /// A worker task is performing the queue.
        var working = false
        var closed = false
        /// Workers started so far (tests check that calls queued behind a running worker start none).
        var workersStarted = 0
    }

    private let executor: (any TaskExecutor)?
    private let state = Mutex(State())

    /// An outbox whose calls run on `executor` (the master's event loop: encoding, sending and resuming on the
    /// reply then happen on the thread that does the I/O, with no hop to the pool); `nil`: the global pool.
    init(executor: (any TaskExecutor)? = nil) {
        self.executor = executor
    }

    /// Queues `call` after everything queued before it. Ignored after ``close()``.
    func enqueue(_ call: @escaping Call) {
        let start = state.withLock { state -> Bool in
            guard !state.closed else { return false }
            state.open = nil
            state.queue.append(call)
            return Self.claimWorker(&state)
        }
        if start { startWorker() }
    }

    /// Queues `item` for a call taking a list: it joins the not yet started batch of the same `key` at the tail of
    /// the queue, or starts a new batch there that `send` performs with every item gathered by the time it runs.
    /// Ignored after ``close()``.
    func enqueue<Item: Sendable>(batching key: String, _ item: Item,
                                 _ send: @escaping @Sendable ([Item]) async -> Void) {
        let start = state.withLock { state -> Bool in
            guard !state.closed else { return false }
            if let open = state.open, open.key == key, let box = open.box as? BatchBox<Item> {
                box.items.withLock { $0.append(item) }
                return false
            }
            let box = BatchBox(item)
            state.open = OpenBatch(key: key, box: box)
            state.queue.append { [self] in
                // Taken under the lock that joins: no item can arrive after the batch was taken.
                let items = self.state.withLock { state -> [Item] in
                    if let current = state.open, current.box === box { state.open = nil }
                    return box.items.withLock { items in
                        defer { items = [] }
                        return items
                    }
                }
                await send(items)
            }
            return Self.claimWorker(&state)
        }
        if start { startWorker() }
    }

    /// Stops after the calls already queued; later calls are dropped.
    func close() { state.withLock { $0.closed = true } }

    /// Workers started so far.
    var workersStarted: Int { state.withLock { $0.workersStarted } }

    /// Whether no worker is running (nothing queued, nothing in flight).
    var isIdle: Bool { state.withLock { !$0.working } }

    /// True when the caller must start the worker: none was running.
    private static func claimWorker(_ state: inout State) -> Bool {
        guard !state.working else { return false }
        state.working = true
        state.workersStarted += 1
        return true
    }

    private func startWorker() {
        // The worker holds the outbox until the queue is empty: calls queued before the master dropped it still go.
        Task(executorPreference: executor) { [self] in
            while let call = next() { await call() }
        }
    }

    /// The next queued call, or `nil` after marking the worker gone when there is none.
    private func next() -> Call? {
        state.withLock { state -> Call? in
            guard state.head < state.queue.count else {
                state.queue.removeAll()
                state.head = 0
                state.working = false
                return nil
            }
            let call = state.queue[state.head]
            state.queue[state.head] = nil
            state.head += 1
            if state.head >= 64, state.head * 2 >= state.queue.count {
                state.queue.removeFirst(state.head)
                state.head = 0
            }
            return call
        }
    }
}
