import Synchronization
import Testing
@testable import KeelMaster

/// A gate a queued call waits on, so that later calls pile up behind it.
private actor Gate {
    private var isOpen = false
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private var arrivedWaiters: [CheckedContinuation<Void, Never>] = []
    private var arrived = false

    func pass() async {
        arrived = true
        for waiter in arrivedWaiters { waiter.resume() }
        arrivedWaiters.removeAll()
        if isOpen { return }
        await withCheckedContinuation { waiters.append($0) }
    }

    /// Returns once a call is waiting at the gate.
    func untilArrived() async {
        if arrived { return }
        await withCheckedContinuation { arrivedWaiters.append($0) }
    }

    func open() {
        isOpen = true
        for waiter in waiters { waiter.resume() }
        waiters.removeAll()
    }
}

/// What the outbox performed, in order.
private actor Transcript {
    private(set) var entries: [String] = []
    private var waiter: (count: Int, continuation: CheckedContinuation<Void, Never>)?

    func record(_ entry: String) {
        entries.append(entry)
        if let waiter, entries.count >= waiter.count {
            self.waiter = nil
            waiter.continuation.resume()
        }
    }

    func untilCount(_ count: Int) async -> [String] {
        if entries.count < count { await withCheckedContinuation { waiter = (count, $0) } }
        return entries
    }
}

@Suite struct OutboxTests {
    /// A new outbox whose first call ("first") has started and waits at the gate, so that later calls queue.
    private func outboxHeldAtAGate() async -> (Outbox, Gate, Transcript) {
        let outbox = Outbox()
        let gate = Gate()
        let transcript = Transcript()
        outbox.enqueue {
            await gate.pass()
            await transcript.record("first")
        }
        await gate.untilArrived()
        return (outbox, gate, transcript)
    }

    /// Items queued while a call is in flight travel together; an item never joins a batch queued before a
    /// different call, so the peer sees everything in the order it was enqueued.
    @Test(.timeLimit(.minutes(1)))
    func batchesFormBehindAnInFlightCallAndKeepOrder() async {
        let (outbox, gate, transcript) = await outboxHeldAtAGate()
        let send: @Sendable (String) -> @Sendable ([Int]) async -> Void = { name in
            { items in await transcript.record("\(name)\(items)") }
        }
        outbox.enqueue(batching: "updates", 1, send("updates"))
        outbox.enqueue(batching: "updates", 2, send("updates"))
        outbox.enqueue(batching: "acks", 3, send("acks"))  // another key: a new batch
        outbox.enqueue(batching: "acks", 4, send("acks"))
        outbox.enqueue { await transcript.record("rescind") }
        outbox.enqueue(batching: "acks", 5, send("acks"))  // after a plain call: must not join [3, 4]
        outbox.enqueue(batching: "updates", 6, send("updates"))
        outbox.enqueue(batching: "updates", 7, send("updates"))
        await gate.open()
        let entries = await transcript.untilCount(6)
        #expect(entries == ["first", "updates[1, 2]", "acks[3, 4]", "rescind", "acks[5]", "updates[6, 7]"])
    }

    /// A batch that already started takes no more items: later ones form the next batch and nothing is lost.
    @Test(.timeLimit(.minutes(1)))
    func itemsArrivingWhileABatchRunsGoToTheNextOne() async {
        let outbox = Outbox()
        let gate = Gate()
        let transcript = Transcript()
        outbox.enqueue(batching: "updates", 1) { (items: [Int]) in
            await gate.pass()
            await transcript.record("updates\(items)")
        }
        await gate.untilArrived()
        for item in 2...4 {
            outbox.enqueue(batching: "updates", item) { (items: [Int]) in await transcript.record("updates\(items)") }
        }
        await gate.open()
        #expect(await transcript.untilCount(2) == ["updates[1]", "updates[2, 3, 4]"])
    }

    /// Without anything in flight, each item goes out at once in a batch of its own (no waiting for company).
    @Test(.timeLimit(.minutes(1)))
    func anIdleOutboxSendsASingleItemAtOnce() async {
        let outbox = Outbox()
        let transcript = Transcript()
        outbox.enqueue(batching: "updates", 1) { (items: [Int]) in await transcript.record("updates\(items)") }
        #expect(await transcript.untilCount(1) == ["updates[1]"])
        outbox.enqueue(batching: "updates", 2) { (items: [Int]) in await transcript.record("updates\(items)") }
        #expect(await transcript.untilCount(2) == ["updates[1]", "updates[2]"])
    }

    /// Calls queued behind a running worker start no other; each burst into an idle outbox starts exactly one, which
    /// ends once the queue is empty (an idle outbox holds no task).
    @Test(.timeLimit(.minutes(1)))
    func aWorkerRunsOnlyWhileCallsAreQueued() async {
        let (outbox, gate, transcript) = await outboxHeldAtAGate()
        for index in 1...3 { outbox.enqueue { await transcript.record("\(index)") } }
        #expect(outbox.workersStarted == 1 && !outbox.isIdle)
        await gate.open()
        #expect(await transcript.untilCount(4) == ["first", "1", "2", "3"])
        for burst in 1...50 {
            while !outbox.isIdle { await Task.yield() }
            #expect(outbox.workersStarted == burst)
            for index in 0..<5 { outbox.enqueue { await transcript.record("\(burst).\(index)") } }
            _ = await transcript.untilCount(4 + burst * 5)
        }
        while !outbox.isIdle { await Task.yield() }
        #expect(outbox.workersStarted == 51)
        let expected = ["first", "1", "2", "3"] + (1...50).flatMap { burst in (0..<5).map { "\(burst).\($0)" } }
        #expect(await transcript.entries == expected)
    }

    /// Calls enqueued while the worker is deciding to stop are never lost nor reordered: each one is either taken by
    /// the stopping worker or starts the next.
    @Test(.timeLimit(.minutes(1)))
    func callsRacingTheWorkersExitAreKeptInOrder() async {
        let outbox = Outbox()
        let transcript = Transcript()
        let total = 3_000
        for index in 0..<total {
            outbox.enqueue { await transcript.record("\(index)") }
            // Let the worker catch up now and then, so that it often finds the queue empty just as the next arrives.
            if index % 3 == 0 { _ = await transcript.untilCount(index + 1) }
        }
        #expect(await transcript.untilCount(total) == (0..<total).map { "\($0)" })
        #expect(outbox.workersStarted > 1)
    }

    /// After close, queued calls still go and later ones are dropped.
    @Test(.timeLimit(.minutes(1)))
    func closeKeepsQueuedCallsAndDropsLaterOnes() async {
        let (outbox, gate, transcript) = await outboxHeldAtAGate()
        outbox.enqueue(batching: "updates", 1) { (items: [Int]) in await transcript.record("updates\(items)") }
        outbox.close()
        outbox.enqueue { await transcript.record("dropped") }
        outbox.enqueue(batching: "updates", 2) { (items: [Int]) in await transcript.record("updates\(items)") }
        await gate.open()
        #expect(await transcript.untilCount(2) == ["first", "updates[1]"])
        while !outbox.isIdle { await Task.yield() }
        #expect(await transcript.entries == ["first", "updates[1]"])
    }
}
