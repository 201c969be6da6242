import KeelStorage

/// The master's registrar: the part of its state that survives a restart (proposal 0003, "What survives which
/// crash"), written through a ``StateStore`` (proposal 0005).
///
/// Every change is a ``RegistrarRecord``; ``append(_:)`` returns only once the batch is durable, and the master
/// acknowledges an admission, unreachability or removal only after that. Operations run one at a time in call order
/// (a FIFO lock across suspension points), so the in-memory ``registry`` always equals snapshot + records in the
/// store, and a compaction never races an append. After ``compactionThreshold`` records since the last snapshot the
/// registrar writes the whole ``Registry`` with ``StateStore/compact(snapshot:)``.
actor Registrar {
    /// The store written through.
    let store: any StateStore
    /// Records appended since the last snapshot that trigger a compaction.
    let compactionThreshold: Int
    /// The registry as durable in the store.
    private(set) var registry = Registry()
    /// Records appended since the last snapshot (or since recovery, counting the recovered ones).
    private(set) var recordsSinceSnapshot = 0
    /// How many compactions ran (for tests and metrics).
    private(set) var compactions = 0
    /// The error of the latest failed compaction, if any.
    private(set) var lastCompactionError: RegistrarError?
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

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
        return registry
    }

    /// Appends `records` as one durable batch, then applies them to ``registry``; compacts when due.
    ///
    /// - Throws: ``RegistrarError/storage(operation:reason:)`` when the store refuses; nothing is applied then.
    func append(_ records: [RegistrarRecord]) async throws(RegistrarError) {
        guard !records.isEmpty else { return }
        await acquire()
        defer { release() }
        // Checked first and applied in place once durable: applying to a copy copied the whole registry per append.
        try registry.check(records)
        var encoded: [[UInt8]] = []
        for record in records {
            do { encoded.append(try RegistrarCodec.encode(record)) } catch {
                throw .storage(operation: "encode", reason: String(describing: error))
            }
        }
        do { try await store.append(encoded) } catch {
            throw .storage(operation: "append", reason: String(describing: error))
        }
        for record in records { try registry.apply(record) }
        recordsSinceSnapshot += records.count
        if recordsSinceSnapshot >= compactionThreshold {
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
        if waiters.isEmpty { busy = false } else { waiters.removeFirst().resume() }
    }
}
