import Testing
@testable import KeelActors

/// The table of outstanding calls: each call is ended exactly once, by whichever of reply, connection
/// failure, timeout or shutdown comes first, and leaves nothing behind.
@Suite struct PendingCallsTests {
    private let endpoint = Endpoint(host: "peer", port: 1)
    private let other = Endpoint(host: "other", port: 1)
    private func recipient(at endpoint: Endpoint) -> ActorID {
        ActorID(node: NodeID(endpoint: endpoint, incarnation: 7), path: "echo")
    }

    /// Inserts call `callID` with a real continuation, lets `end` take what it ends, resumes that with
    /// `outcome`, and returns what the waiting side saw.
    private func waitForCall(_ pending: inout PendingCalls, _ callID: UInt64, to endpoint: Endpoint, deadline: UInt64 = .max / 2,
                             ending end: (inout PendingCalls) -> [UnsafeContinuation<CallOutcome, Never>], with outcome: CallOutcome) async -> CallOutcome {
        await withUnsafeContinuation { continuation in
            pending.insert(callID, continuation, recipient: recipient(at: endpoint), target: "delay", deadline: deadline, timeoutNanos: 5_000_000)
            for taken in end(&pending) { taken.resume(returning: outcome) }
        }
    }

    @Test func aCallIsTakenOnceAndLeavesNothingBehind() async {
        var pending = PendingCalls(resolutionNanos: 1_000_000)
        var takes = 0
        let outcome = await waitForCall(&pending, 1, to: endpoint, ending: { table in
            let first = table.take(1)
            let second = table.take(1)
            takes = [first, second].compactMap { $0 }.count
            return first.map { [$0] } ?? []
        }, with: .success([42]))
        #expect(takes == 1)
        guard case .success(let bytes) = outcome else {
            Issue.record("expected the reply, got \(outcome)")
            return
        }
        #expect(Array(bytes) == [42])
        #expect(pending.count == 0)
        // Its deadline bucket no longer knows it: expiring that bucket ends nothing.
        #expect(pending.takeExpired(now: .max).isEmpty)
    }

    @Test func aConnectionFailureEndsOnlyTheCallsToThatEndpoint() async {
        var pending = PendingCalls(resolutionNanos: 1_000_000)
        let survivor = await withUnsafeContinuation { (elsewhere: UnsafeContinuation<CallOutcome, Never>) in
            pending.insert(2, elsewhere, recipient: recipient(at: other), target: "greet", deadline: .max / 2, timeoutNanos: 1)
            let failed = pending.takeAll(endpoint: endpoint)
            #expect(failed.isEmpty)
            #expect(pending.count == 1)
            pending.take(2)?.resume(returning: .success([]))
        }
        guard case .success = survivor else {
            Issue.record("the other endpoint's call was disturbed: \(survivor)")
            return
        }
        let failure = ActorSystemError.connectionClosed(endpoint, reason: "crashed")
        let outcome = await waitForCall(&pending, 3, to: endpoint, ending: { $0.takeAll(endpoint: endpoint) }, with: .failure(failure))
        guard case .failure(let error) = outcome else {
            Issue.record("expected the connection failure, got \(outcome)")
            return
        }
        #expect(error as? ActorSystemError == failure)
        #expect(pending.count == 0)
    }

    @Test func anExpiredCallEndsWithATimeoutNamingItsCalleeAndTarget() async {
        var pending = PendingCalls(resolutionNanos: 1_000_000)
        var timeouts: [ActorSystemError] = []
        _ = await withUnsafeContinuation { (continuation: UnsafeContinuation<CallOutcome, Never>) in
            pending.insert(4, continuation, recipient: recipient(at: endpoint), target: "delay", deadline: 10_000_000, timeoutNanos: 5_000_000)
            // Not yet due: nothing expires.
            #expect(pending.takeExpired(now: 5_000_000).isEmpty)
            for (taken, error) in pending.takeExpired(now: 12_000_000) {
                timeouts.append(error)
                taken.resume(returning: .failure(error))
            }
        }
        #expect(timeouts == [.timeout(recipient(at: endpoint), target: "delay", afterMilliseconds: 5)])
        #expect(pending.count == 0)
        #expect(pending.take(4) == nil)
    }
}
