import Synchronization

/// A ``StateStore`` kept in memory, for tests and the in-process cluster.
///
/// Every operation completes at once, so "durable" means "in this object". A crash and restart is
/// simulated by handing ``contents`` to a new instance: `MemoryStateStore(contents: old.contents)`.
public final class MemoryStateStore: StateStore {
    private struct State {
        var contents: RecoveredState
        var closed = false
    }

    private let state: Mutex<State>

    /// Creates a store holding `contents` (empty by default), as if recovered from them.
    public init(contents: RecoveredState = RecoveredState()) {
        state = Mutex(State(contents: contents))
    }

    /// The store's current contents, readable even after ``close()`` (to hand to a "restarted" store).
    public var contents: RecoveredState {
        state.withLock { $0.contents }
    }

    /// Returns the current snapshot and records.
    public func recover() async throws -> RecoveredState {
        try state.withLock { state in
            guard !state.closed else { throw StorageError.closed }
            return state.contents
        }
    }

    /// Appends `records` atomically.
    public func append(_ records: [[UInt8]]) async throws {
        try state.withLock { state in
            guard !state.closed else { throw StorageError.closed }
            state.contents.records.append(contentsOf: records)
        }
    }

    /// Replaces the snapshot and all records by `snapshot`.
    public func compact(snapshot: [UInt8]) async throws {
        try state.withLock { state in
            guard !state.closed else { throw StorageError.closed }
            state.contents = RecoveredState(snapshot: snapshot, records: [])
        }
    }

    /// Marks the store closed; later operations throw ``StorageError/closed``.
    public func close() async {
        state.withLock { $0.closed = true }
    }
}
