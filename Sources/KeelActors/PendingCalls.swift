import Synchronization

/// What a reply resolves a pending call with.
enum CallOutcome: Sendable {
    /// The encoded return value (without its length prefix), or empty for `void`.
    case success(ArraySlice<UInt8>)
    case failure(any Error)
}

/// Outstanding outbound calls: continuation, destination and deadline, keyed by call ID.
///
/// A call's entry is inserted with its continuation, in one step under the owner's lock, so there is no
/// window in which a call exists without a way to end it: whatever ends a call first (reply, timeout,
/// connection failure, cancellation, shutdown) takes the entry and resumes the continuation; later
/// attempts find nothing. (A cancellation or shutdown that came before the insert is the caller's to
/// notice, right after it.)
///
/// Deadlines sit in buckets of the system's timer resolution, each a set of call IDs, so both
/// completing a call and expiring a bucket cost O(1) per call and nothing lingers after a reply.
/// Expiry visits only the buckets that fell due: with a 30 s timeout and a 10 ms resolution a busy
/// node holds ~3,000 buckets, and scanning them all on every tick — removing from the dictionary
/// while iterating its keys, which copied the whole table each time, under the lock callers take —
/// showed in a master's profile as a large allocation on every tick.
///
/// Calls and buckets are objects, changed in place while they sit in the tables: changing a value
/// stored in a dictionary goes through the dictionary's `_modify` accessor, a coroutine whose frame
/// is heap-allocated when it does not fit the caller's buffer — three allocations per completed
/// call, measured, before this. Confined to the owner's lock, never shared outside it.
struct PendingCalls {
    final class Entry {
        let continuation: UnsafeContinuation<CallOutcome, Never>
        /// The callee; its node's endpoint is where the call went.
        let recipient: ActorID
        let target: String
        let bucket: UInt64
        let timeoutNanos: UInt64
        /// Whether the caller ran on the system's event loop when it called (see ``OffLoopResumptions``).
        let callerOnLoop: Bool

        init(continuation: UnsafeContinuation<CallOutcome, Never>, recipient: ActorID, target: String, bucket: UInt64,
             timeoutNanos: UInt64, callerOnLoop: Bool) {
            self.continuation = continuation
            self.recipient = recipient
            self.target = target
            self.bucket = bucket
            self.timeoutNanos = timeoutNanos
            self.callerOnLoop = callerOnLoop
        }
    }

    /// The calls whose deadlines fall in one timer-resolution interval.
    final class Bucket {
        var ids: Set<UInt64> = []
    }

    private var entries: [UInt64: Entry] = [:]
    private var buckets: [UInt64: Bucket] = [:]
    /// No bucket's key is below this (``UInt64/max`` while there are none): where expiry starts.
    private var earliestBucket: UInt64 = .max
    let resolution: UInt64

    init(resolutionNanos: UInt64) { self.resolution = max(1, resolutionNanos) }

    var count: Int { entries.count }

    /// Deadline buckets held (emptied ones stay until their deadline passes); for tests.
    var bucketCount: Int { buckets.count }

    /// Registers a call that waits on `continuation` until `deadline` (monotonic ns); `callerOnLoop`
    /// tells whether the caller runs on the system's event loop.
    mutating func insert(_ callID: UInt64, _ continuation: UnsafeContinuation<CallOutcome, Never>, recipient: ActorID, target: String,
                         deadline: UInt64, timeoutNanos: UInt64, callerOnLoop: Bool = true) {
        let bucket = deadline / resolution + 1
        entries[callID] = Entry(continuation: continuation, recipient: recipient, target: target, bucket: bucket,
                                timeoutNanos: timeoutNanos, callerOnLoop: callerOnLoop)
        if let existing = buckets[bucket] {
            existing.ids.insert(callID)
        } else {
            let created = Bucket()
            created.ids.insert(callID)
            buckets[bucket] = created
            earliestBucket = min(earliestBucket, bucket)
        }
    }

    /// Removes the call and returns its continuation, to resume outside the lock; nil when it already ended.
    mutating func take(_ callID: UInt64) -> UnsafeContinuation<CallOutcome, Never>? {
        takeWithPlace(callID)?.continuation
    }

    /// ``take(_:)``, also telling whether the caller was on the event loop when it called.
    mutating func takeWithPlace(_ callID: UInt64) -> (continuation: UnsafeContinuation<CallOutcome, Never>, callerOnLoop: Bool)? {
        guard let entry = entries.removeValue(forKey: callID) else { return nil }
        buckets[entry.bucket]?.ids.remove(callID)
        return (entry.continuation, entry.callerOnLoop)
    }

    /// Removes every call addressed to `endpoint`.
    mutating func takeAll(endpoint: Endpoint) -> [UnsafeContinuation<CallOutcome, Never>] {
        let ids = entries.filter { $0.value.recipient.node.endpoint == endpoint }.map(\.key)
        return ids.compactMap { take($0) }
    }

    /// Removes every call.
    mutating func takeAll() -> [UnsafeContinuation<CallOutcome, Never>] {
        defer {
            entries.removeAll()
            buckets.removeAll()
            earliestBucket = .max
        }
        return entries.values.map(\.continuation)
    }

    /// Removes calls whose deadline passed, with a timeout error for each.
    mutating func takeExpired(now: UInt64) -> [(UnsafeContinuation<CallOutcome, Never>, ActorSystemError)] {
        let current = now / resolution
        guard earliestBucket <= current else { return [] }
        var expired: [(UnsafeContinuation<CallOutcome, Never>, ActorSystemError)] = []
        func expire(_ key: UInt64) {
            guard let ids = buckets.removeValue(forKey: key)?.ids else { return }
            for id in ids {
                guard let entry = entries.removeValue(forKey: id) else { continue }
                let error = ActorSystemError.timeout(entry.recipient, target: entry.target, afterMilliseconds: Int64(entry.timeoutNanos / 1_000_000))
                expired.append((entry.continuation, error))
            }
        }
        if current - earliestBucket < UInt64(buckets.count) {
            // Ticks come every resolution, so this is usually one or two keys.
            for key in earliestBucket...current { expire(key) }
        } else {
            // After a long pause (or with few buckets far apart), the keys that are due, collected
            // before any is removed.
            for key in buckets.keys.filter({ $0 <= current }) { expire(key) }
        }
        earliestBucket = current == .max ? .max : current + 1
        return expired
    }
}
