import Testing
@testable import KeelActors

/// Regression: a call whose connection failed (or that timed out) between reserving its entry and attaching its
/// continuation was reported as `CancellationError` — the caller lost the real reason (seen as a flaky
/// "crashed peer fails pending calls" under load).
@Suite struct PendingCallsTests {
    private let endpoint = Endpoint(host: "peer", port: 1)
    private var recipient: ActorID { ActorID(node: NodeID(endpoint: endpoint, incarnation: 7), path: "echo") }

    private func attachNow(_ pending: inout PendingCalls, _ callID: UInt64) async -> (attached: Bool, CallOutcome?) {
        var early: CallOutcome?
        var result: (Bool, CallOutcome?) = (false, nil)
        _ = await withUnsafeContinuation { (continuation: UnsafeContinuation<CallOutcome, Never>) in
            early = pending.attach(callID, continuation)
            if let early { continuation.resume(returning: early) } else { continuation.resume(returning: .success([])) }
        }
        result = (early == nil, early)
        return result
    }

    @Test func aConnectionFailureBeforeAttachIsReportedAsItself() async {
        var pending = PendingCalls(resolutionNanos: 1_000_000)
        pending.reserve(1, recipient: recipient, target: "delay", deadline: .max / 2, timeoutNanos: 1)
        let failed = pending.takeAll(endpoint: endpoint, error: ActorSystemError.connectionClosed(endpoint, reason: "crashed"))
        #expect(failed.isEmpty)  // nothing attached yet: nothing to resume now
        let (attached, outcome) = await attachNow(&pending, 1)
        #expect(!attached)
        guard case .failure(let error)? = outcome else {
            Issue.record("expected the connection failure, got \(String(describing: outcome))")
            return
        }
        #expect(error as? ActorSystemError == .connectionClosed(endpoint, reason: "crashed"))
        #expect(pending.count == 0)
    }

    @Test func aCancellationBeforeAttachStaysACancellation() async {
        var pending = PendingCalls(resolutionNanos: 1_000_000)
        pending.reserve(2, recipient: recipient, target: "delay", deadline: .max / 2, timeoutNanos: 1)
        #expect(pending.take(2, outcome: .failure(CancellationError())) == nil)
        // A later failure does not overwrite the first outcome.
        _ = pending.takeAll(endpoint: endpoint, error: ActorSystemError.shutDown)
        let (_, outcome) = await attachNow(&pending, 2)
        guard case .failure(let error)? = outcome else {
            Issue.record("expected a failure")
            return
        }
        #expect(error is CancellationError)
    }
}
