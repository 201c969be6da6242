import KeelCore
import KeelStorage

/// The master's registrar: the part of its state that survives a restart (proposal 0003, "What survives which
/// crash"), written through a ``StateStore`` (proposal 0005).
///
/// Every change is a ``RegistrarRecord``; ``append(_:)`` returns only once the batch is durable, and the master
/// acknowledges an admission, unreachability or removal only after that. Operations run one at a time in call order
/// (a FIFO lock across suspension points), so the in-memory ``registry`` always equals snapshot + records in the
/// store, and a compaction never races an append. Appends that arrive while a write is in flight are written
/// together, as one batch, by the first of them to get the lock (group commit, as Mesos' registrar does): a storm of
/// agent registrations costs a durable write per batch, not per agent. Once at least ``compactionThreshold`` records,
/// and at least as many as the registry had entries at the last snapshot (or at recovery), were appended since, the
/// registrar writes the whole ``Registry`` with ``StateStore/compact(snapshot:)``: a snapshot costs what the registry
/// holds, so it waits for as many records to pay for it, and registering n agents writes O(n) snapshot entries in
/// all (with a fixed threshold of 1,000, 50,000 registrations wrote 50 snapshots, 1.3 million entries; now about 6
/// and 63,000). The log stays about as long as the last snapshot, so recovery reads about twice the registry.
actor Registrar {
    /// The store written through.
    let store: any StateStore
    /// The fewest records appended since the last snapshot that trigger a compaction (more when the registry holds
    /// more entries than this).
    let compactionThreshold: Int
    /// The registry as durable in the store.
    private(set) var registry = Registry()
    /// Records appended since the last snapshot (or since recovery, counting the recovered ones).
    private(set) var recordsSinceSnapshot = 0
    /// Entries of the registry when the last snapshot was written (or at recovery).
    private var entriesAtSnapshot = 0
    /// How many compactions ran (for tests and metrics).
    private(set) var compactions = 0
    /// The error of the latest failed compaction, if any.
    private(set) var lastCompactionError: RegistrarError?
    /// How many batches were written to the store (for tests and metrics).
    private(set) var appendBatches = 0
    /// How many appends wait to be written (for tests and metrics).
    var queuedAppendCount: Int { queuedAppends.count }
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private var waitersHead = 0
    /// Appends waiting to be written, in call order; the first of them to get the lock writes them all.
    private var queuedAppends: [QueuedAppend] = []

    /// One caller's records and, once its batch was written (or refused), the outcome.
    private final class QueuedAppend {
        let records: [RegistrarRecord]
        var outcome: Result<Void, RegistrarError>?
        init(_ records: [RegistrarRecord]) { self.records = records }
    }

    init(store: any StateStore, compactionThreshold: Int) {
        self.store = store
        self.compactionThreshold = max(1, compactionThreshold)
    }

    /// Reads the store back into ``registry``.
    ///
    /// - Throws: ``RegistrarError`` naming the failed store operation, or the first corrupt snapshot or record.
    func recover() async throws(RegistrarError) -> Registry {
        await acquire()
        defer { release() }
        let recovered: RecoveredState
        do { recovered = try await store.recover() } catch {
            throw .storage(operation: "recover", reason: String(describing: error))
        }
        registry = try RegistrarCodec.registry(from: recovered)
        recordsSinceSnapshot = recovered.records.count
        entriesAtSnapshot = registry.entryCount
        return registry
    }

    /// Appends `records` as one durable batch — together with the appends of other callers that queued while a write
    /// was in flight — then applies them to ``registry``; compacts when due.
    ///
    /// - Throws: ``RegistrarError/unknownAgent(_:record:)`` when `records` name an agent never admitted (the other
    ///   callers' records are written all the same), ``RegistrarError/storage(operation:reason:)`` when the store
    ///   refuses the batch; nothing of `records` is applied then.
    func append(_ records: [RegistrarRecord]) async throws(RegistrarError) {
        guard !records.isEmpty else { return }
        let mine = QueuedAppend(records)
        queuedAppends.append(mine)
        await acquire()
        defer { release() }
        if mine.outcome == nil { await writeQueuedAppends() }
        // Set by the batch that carried these records: this holder's, or an earlier holder's.
        guard let outcome = mine.outcome else { throw .storage(operation: "append", reason: "the batch ended without an outcome") }
        try outcome.get()
    }

    /// Writes every queued append as one batch (lock held). Each caller's records are checked on their own, against
    /// the registry and the records accepted ahead of them in the batch, so one bad request fails alone.
    private func writeQueuedAppends() async {
        let queued = queuedAppends
        queuedAppends = []
        var accepted: [QueuedAppend] = []
        var admittedAhead = Set<AgentID>()
        var encoded: [[UInt8]] = []
        for entry in queued {
            do throws(RegistrarError) {
                try registry.check(entry.records, alsoAdmitted: admittedAhead)
                var mine: [[UInt8]] = []
                for record in entry.records {
                    do { mine.append(try RegistrarCodec.encode(record)) } catch {
                        throw .storage(operation: "encode", reason: String(describing: error))
                    }
                }
                encoded += mine
                accepted.append(entry)
                for case .admitted(let id, _, _) in entry.records { admittedAhead.insert(id) }
            } catch {
                entry.outcome = .failure(error)
            }
        }
        guard !accepted.isEmpty else { return }
        do {
            try await store.append(encoded)
        } catch {
            let failure = RegistrarError.storage(operation: "append", reason: String(describing: error))
            for entry in accepted { entry.outcome = .failure(failure) }
            return
        }
        appendBatches += 1
        // Checked above and applied in place once durable: applying to a copy copied the whole registry per append.
        for entry in accepted {
            do throws(RegistrarError) {
                for record in entry.records { try registry.apply(record) }
                entry.outcome = .success(())
            } catch {
                entry.outcome = .failure(error)
            }
            recordsSinceSnapshot += entry.records.count
        }
        if recordsSinceSnapshot >= max(compactionThreshold, entriesAtSnapshot) {
            // The batch is durable whatever happens here: a failed compaction is kept for the caller to log, and
            // retried after the next append.
            do { try await compactLocked() } catch { lastCompactionError = error }
        }
    }

    /// Writes the registry as the store's snapshot now.
    func compact() async throws(RegistrarError) {
        await acquire()
        defer { release() }
        try await compactLocked()
    }

    private func compactLocked() async throws(RegistrarError) {
        let snapshot: [UInt8]
        do { snapshot = try RegistrarCodec.encode(registry) } catch {
            throw .storage(operation: "encode snapshot", reason: String(describing: error))
        }
        do { try await store.compact(snapshot: snapshot) } catch {
            throw .storage(operation: "compact", reason: String(describing: error))
        }
        recordsSinceSnapshot = 0
        entriesAtSnapshot = registry.entryCount
        compactions += 1
        lastCompactionError = nil
    }

    private func acquire() async {
        if busy {
            await withCheckedContinuation { waiters.append($0) }
        } else {
            busy = true
        }
    }

    /// Hands the lock to the next waiter (which then owns `busy`) or frees it.
    private func release() {
        guard waitersHead < waiters.count else {
            busy = false
            waiters.removeAll(keepingCapacity: true)
            waitersHead = 0
            return
        }
        let next = waiters[waitersHead]
        waitersHead += 1
        if waitersHead >= 1_024 && waitersHead * 2 >= waiters.count {
            waiters.removeFirst(waitersHead)
            waitersHead = 0
        }
        next.resume()
    }
}
