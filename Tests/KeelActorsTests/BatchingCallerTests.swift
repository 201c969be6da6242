import KeelActors
import Synchronization
import Testing

/// A `perform` for ``BatchingCaller`` that records each batch and holds the first until released.
private actor Recorder {
    private(set) var batches: [[Int]] = []
    private var held: CheckedContinuation<Void, Never>?
    private var holding = true
    private var firstArrived: CheckedContinuation<Void, Never>?
    private var hasFirst = false
    var failWith: BatchFailure?

    func perform(_ items: [Int]) async throws {
        batches.append(items)
        if batches.count == 1 {
            hasFirst = true
            firstArrived?.resume()
            firstArrived = nil
            if holding { await withCheckedContinuation { held = $0 } }
        }
        if let failWith { throw failWith }
    }

    func untilFirstBatch() async {
        if hasFirst { return }
        await withCheckedContinuation { firstArrived = $0 }
    }

    func release(failing failure: BatchFailure? = nil) {
        failWith = failure
        holding = false
        held?.resume()
        held = nil
    }
}

struct BatchFailure: Error, Equatable {}

@Suite struct BatchingCallerTests {
    @Test(.timeLimit(.minutes(1)))
    func itemsSubmittedDuringACallTravelTogetherInOrder() async throws {
        let recorder = Recorder()
        let caller = BatchingCaller<Int> { try await recorder.perform($0) }
        let first = Task { try await caller.call(1) }
        await recorder.untilFirstBatch()
        // Submitted one after another while the first call is held: they must form one batch, in order.
        // Queued one after another while the first call is held: they must form one batch, in order.
        var waiting: [Task<Void, any Error>] = []
        for item in 2...5 {
            waiting.append(Task { try await caller.call(item) })
            while caller.waitingCount < item - 1 { await Task.yield() }
        }
        await recorder.release()
        try await first.value
        for task in waiting { try await task.value }
        #expect(await recorder.batches == [[1], [2, 3, 4, 5]])
        #expect(caller.waitingCount == 0)
    }

    @Test(.timeLimit(.minutes(1)))
    func aFailedCallFailsEveryItemItCarried() async throws {
        let recorder = Recorder()
        let caller = BatchingCaller<Int> { try await recorder.perform($0) }
        let first = Task { try await caller.call(1) }
        await recorder.untilFirstBatch()
        await recorder.release(failing: BatchFailure())
        await #expect(throws: BatchFailure.self) { try await first.value }
        await #expect(throws: BatchFailure.self) { try await caller.call(2) }
    }

}
