import Synchronization
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

    /// Calls whose deadlines fall in many buckets, inserted out of deadline order, expire exactly at the tick in which
    /// their deadline passes — ticks a resolution apart, and one long pause that skips hundreds of buckets — and
    /// expired buckets leave nothing behind. (Expiry walks from the earliest bucket instead of scanning them all.)
    @Test func callsExpireInTheTickTheirDeadlinePassesWhateverOrderTheyCameIn() async {
        let resolution: UInt64 = 1_000_000
        let table = SharedPendingCalls(resolutionNanos: resolution)
        let recipient = recipient(at: endpoint)
        // Deadline (in resolutions) of each call: later ones first, some sharing a bucket, then earlier ones.
        let deadlines: [UInt64] = [40, 30, 30, 20, 700, 900, 5, 10, 10, 1, 650]
        let (inserted, insertion) = AsyncStream.makeStream(of: Void.self)
        await withTaskGroup(of: (UInt64, CallOutcome).self) { group in
            for (index, deadline) in deadlines.enumerated() {
                group.addTask {
                    let outcome = await withUnsafeContinuation { continuation in
                        table.withLock {
                            $0.insert(UInt64(index), continuation, recipient: recipient, target: "t\(index)",
                                      deadline: deadline * resolution, timeoutNanos: deadline * resolution)
                        }
                        insertion.yield()
                    }
                    return (UInt64(index), outcome)
                }
            }
            var count = 0
            for await _ in inserted {
                count += 1
                if count == deadlines.count { break }
            }
            // Ticks one resolution apart up to 45, then a pause to 1,000.
            var expiredAt: [String: UInt64] = [:]
            for now in Array(0...45) + [1_000] {
                for (continuation, error) in table.withLock({ $0.takeExpired(now: UInt64(now) * resolution) }) {
                    if case .timeout(_, let target, _) = error { expiredAt[target] = UInt64(now) }
                    continuation.resume(returning: .failure(error))
                }
            }
            // Whatever did not expire is ended here, so that a miss fails the expectations below instead of hanging.
            for continuation in table.withLock({ $0.takeAll() }) { continuation.resume(returning: .success([])) }
            for await _ in group {}
            // A deadline of d resolutions lies in bucket d + 1: it has passed once a tick sees d + 1.
            let expected = Dictionary(uniqueKeysWithValues: deadlines.enumerated().map { index, deadline in
                ("t\(index)", deadline + 1 <= 45 ? deadline + 1 : 1_000)
            })
            #expect(expiredAt == expected)
        }
        #expect(table.withLock { $0.count } == 0)
        #expect(table.withLock { $0.bucketCount } == 0)
        // A call inserted after the pause, with an earlier deadline than the ticks already seen, still expires.
        let outcome = await withUnsafeContinuation { (continuation: UnsafeContinuation<CallOutcome, Never>) in
            table.withLock { $0.insert(99, continuation, recipient: recipient, target: "late", deadline: 3 * resolution, timeoutNanos: 1) }
            for (taken, error) in table.withLock({ $0.takeExpired(now: 1_001 * resolution) }) { taken.resume(returning: .failure(error)) }
            for taken in table.withLock({ $0.takeAll() }) { taken.resume(returning: .success([])) }
        }
        guard case .failure(let error) = outcome, case .timeout(_, let target, _)? = error as? ActorSystemError else {
            Issue.record("expected a timeout, got \(outcome)")
            return
        }
        #expect(target == "late")
    }
}

/// A pending-call table that tasks share.
private final class SharedPendingCalls: Sendable {
    private let table: Mutex<PendingCalls>
    init(resolutionNanos: UInt64) { table = Mutex(PendingCalls(resolutionNanos: resolutionNanos)) }
    func withLock<T>(_ body: (inout sending PendingCalls) -> sending T) -> sending T { table.withLock { body(&$0) } }
}
