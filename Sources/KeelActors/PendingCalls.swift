import Synchronization

/// What a reply resolves a pending call with.
enum CallOutcome: Sendable {
    /// The encoded return value (without its length prefix), or empty for `void`.
    case success(ArraySlice<UInt8>)
    case failure(any Error)
}

/// Outstanding outbound calls: continuation, destination and deadline, keyed by call ID.
///
/// Deadlines sit in buckets of the system's timer resolution, each a set of call IDs, so both
/// completing a call and expiring a bucket cost O(1) per call and nothing lingers after a reply.
///
/// Calls and buckets are objects, changed in place while they sit in the tables: changing a value
/// stored in a dictionary goes through the dictionary's `_modify` accessor, a coroutine whose frame
/// is heap-allocated when it does not fit the caller's buffer — three allocations per completed
/// call, measured, before this. Confined to the owner's lock, never shared outside it.
struct PendingCalls {
    final class Entry {
        var continuation: UnsafeContinuation<CallOutcome, Never>?
        /// How the call ended before its continuation was attached (cancelled, failed with its connection, timed
        /// out): `attach` hands it back so the caller gets the real reason.
        var earlyOutcome: CallOutcome?
        /// The callee; its node's endpoint is where the call went.
        let recipient: ActorID
        let target: String
        let bucket: UInt64
        let timeoutNanos: UInt64

        init(recipient: ActorID, target: String, bucket: UInt64, timeoutNanos: UInt64) {
            self.recipient = recipient
            self.target = target
            self.bucket = bucket
            self.timeoutNanos = timeoutNanos
        }
    }

    /// The calls whose deadlines fall in one timer-resolution interval.
    final class Bucket {
        var ids: Set<UInt64> = []
    }

    private var entries: [UInt64: Entry] = [:]
    private var buckets: [UInt64: Bucket] = [:]
    let resolution: UInt64

    init(resolutionNanos: UInt64) { self.resolution = max(1, resolutionNanos) }

    var count: Int { entries.count }

    /// Reserves an entry before the continuation exists, so a cancellation racing with the call's
    /// start is never lost.
    mutating func reserve(_ callID: UInt64, recipient: ActorID, target: String, deadline: UInt64, timeoutNanos: UInt64) {
        let bucket = deadline / resolution + 1
        entries[callID] = Entry(recipient: recipient, target: target, bucket: bucket, timeoutNanos: timeoutNanos)
        if let existing = buckets[bucket] {
            existing.ids.insert(callID)
        } else {
            let created = Bucket()
            created.ids.insert(callID)
            buckets[bucket] = created
        }
    }

    /// Forgets `callID` (whose entry is `entry`) in both tables.
    private mutating func remove(_ callID: UInt64, _ entry: Entry) {
        entries.removeValue(forKey: callID)
        buckets[entry.bucket]?.ids.remove(callID)
    }

    /// Attaches the continuation; returns `nil` when attached, or the outcome the call already ended with
    /// (the caller then resumes the continuation with it itself). A call that vanished entirely counts as
    /// cancelled.
    mutating func attach(_ callID: UInt64, _ continuation: UnsafeContinuation<CallOutcome, Never>) -> CallOutcome? {
        guard let entry = entries[callID] else { return .failure(CancellationError()) }
        if let ended = entry.earlyOutcome {
            remove(callID, entry)
            return ended
        }
        entry.continuation = continuation
        return nil
    }

    /// Removes the call and returns its continuation to resume (outside the lock) with `outcome`. When the
    /// continuation is not attached yet, keeps `outcome` (the first one wins) for `attach` to return.
    mutating func take(_ callID: UInt64, outcome: @autoclosure () -> CallOutcome) -> UnsafeContinuation<CallOutcome, Never>? {
        guard let entry = entries[callID] else { return nil }
        guard let continuation = entry.continuation else {
            if entry.earlyOutcome == nil { entry.earlyOutcome = outcome() }
            return nil
        }
        remove(callID, entry)
        return continuation
    }

    /// Removes every call addressed to `endpoint` (those not attached yet keep `error` for `attach`).
    mutating func takeAll(endpoint: Endpoint, error: any Error) -> [UnsafeContinuation<CallOutcome, Never>] {
        let ids = entries.filter { $0.value.recipient.node.endpoint == endpoint }.map(\.key)
        return ids.compactMap { take($0, outcome: .failure(error)) }
    }

    /// Removes every call (those not attached yet keep `error` for `attach`).
    mutating func takeAll(error: any Error) -> [UnsafeContinuation<CallOutcome, Never>] {
        let ids = Array(entries.keys)
        return ids.compactMap { take($0, outcome: .failure(error)) }
    }

    /// Removes calls whose deadline passed, with a timeout error for each.
    mutating func takeExpired(now: UInt64) -> [(UnsafeContinuation<CallOutcome, Never>, ActorSystemError)] {
        let current = now / resolution
        var expired: [(UnsafeContinuation<CallOutcome, Never>, ActorSystemError)] = []
        for bucket in buckets.keys where bucket <= current {
            guard let ids = buckets.removeValue(forKey: bucket)?.ids else { continue }
            for id in ids {
                guard let entry = entries[id] else { continue }
                let error = ActorSystemError.timeout(entry.recipient, target: entry.target, afterMilliseconds: Int64(entry.timeoutNanos / 1_000_000))
                if let continuation = entry.continuation {
                    entries[id] = nil
                    expired.append((continuation, error))
                } else if entry.earlyOutcome == nil {
                    entry.earlyOutcome = .failure(error)
                }
            }
        }
        return expired
    }
}
