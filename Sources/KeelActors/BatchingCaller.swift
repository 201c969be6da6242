import Synchronization

/// Performs a call that takes a list, keeping at most one in flight: items submitted while a call is in flight wait
/// and then travel together in the next one. Under light load every call carries one item and nobody waits for
/// company (there is no timer); under load the number of calls per item falls as far as the peer's round trip
/// allows, which is what lets an agent report thousands of task updates a second without one round trip each.
///
/// Items go out in submission order. Each ``call(_:)`` returns, or throws, what the call that carried its item did.
/// Cancelling a caller does not withdraw its item (it may already be on the wire); the caller simply gets the
/// outcome.
public final class BatchingCaller<Item: Sendable>: Sendable {
    private typealias Waiter = (item: Item, continuation: CheckedContinuation<Void, any Error>)

    private struct State {
        var waiting: [Waiter] = []
        var inFlight = false
    }

    private let state = Mutex(State())
    private let perform: @Sendable ([Item]) async throws -> Void
    private let executor: (any TaskExecutor)?

    /// A caller that performs `perform` with each batch, on `executor` when one is given (an actor's event loop,
    /// so the reply resumes where the I/O happens).
    public init(executor: (any TaskExecutor)? = nil, perform: @escaping @Sendable ([Item]) async throws -> Void) {
        self.executor = executor
        self.perform = perform
    }

    /// Items waiting for the next call (not counting those of the call in flight): a gauge for metrics and tests.
    public var waitingCount: Int { state.withLock { $0.waiting.count } }

    /// Sends `item` with the next call and returns once that call returned (or throws its error).
    public func call(_ item: Item) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let starts = state.withLock { state -> Bool in
                state.waiting.append((item, continuation))
                guard !state.inFlight else { return false }
                state.inFlight = true
                return true
            }
            if starts { Task(executorPreference: executor) { await self.drain() } }
        }
    }

    /// Performs batches until nothing waits.
    private func drain() async {
        while true {
            let batch = state.withLock { state -> [Waiter] in
                let batch = state.waiting
                state.waiting.removeAll(keepingCapacity: true)
                if batch.isEmpty { state.inFlight = false }
                return batch
            }
            if batch.isEmpty { return }
            do {
                try await perform(batch.map(\.item))
                for waiter in batch { waiter.continuation.resume() }
            } catch {
                for waiter in batch { waiter.continuation.resume(throwing: error) }
            }
        }
    }
}
