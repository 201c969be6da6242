/// Durable storage for the registrar: an append-only log of opaque records plus one snapshot.
///
/// A store holds, at any time, an optional *snapshot* (opaque bytes the caller produced from its
/// own state) followed by the *records* appended after it, in order. The caller decides what the
/// bytes mean; the store only promises durability, ordering and atomicity:
///
/// - ``append(_:)`` returns only once its records are durable (for the file store: written and
///   `fsync`ed). A batch is atomic: after a crash either all of its records are recovered or none.
/// - Concurrent appends are ordered in the order the calls reach the store; each batch stays
///   contiguous. Callers that need a specific order across batches await one before starting the next.
/// - ``compact(snapshot:)`` atomically replaces the snapshot and every record appended *before* the
///   call by `snapshot`; appends made after it follow the new snapshot.
/// - ``recover()`` returns the current durable contents and may be called at any time.
///
/// Appends and compactions are not cancellable once called: durability does not depend on whether
/// the caller is still waiting. Every operation after ``close()`` throws ``StorageError/closed``.
public protocol StateStore: Sendable {
    /// The snapshot and the records appended after it, in append order.
    func recover() async throws -> RecoveredState

    /// Appends `records` as one atomic batch; returns once the batch is durable. An empty batch is a no-op.
    func append(_ records: [[UInt8]]) async throws

    /// Replaces the current snapshot and all records appended before this call by `snapshot`, atomically.
    func compact(snapshot: [UInt8]) async throws

    /// Releases the store's resources (files, lock, thread). Idempotent; waits for earlier operations.
    func close() async
}

/// What a ``StateStore`` holds: the latest snapshot and the records appended after it.
public struct RecoveredState: Sendable, Equatable, Codable {
    /// The bytes passed to the latest ``StateStore/compact(snapshot:)``, or `nil` if there was none.
    public var snapshot: [UInt8]?
    /// The records appended after the snapshot, oldest first.
    public var records: [[UInt8]]

    /// Creates a state from a snapshot and the records that follow it.
    public init(snapshot: [UInt8]? = nil, records: [[UInt8]] = []) {
        self.snapshot = snapshot
        self.records = records
    }
}
