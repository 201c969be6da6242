import KeelLog

extension FileStateStore {
    /// What to do when recovery finds damage that cannot be a torn write: a damaged entry followed
    /// by intact ones, or damage up to the end spanning more than one write.
    public enum CorruptionPolicy: String, Sendable, Codable {
        /// Refuse to open and throw ``StorageError/corruptEntry(path:offset:reason:nextValidOffset:)`` (default).
        case fail
        /// Truncate the log at the damaged entry, logging an error with what was dropped. For an
        /// operator who accepts losing the acknowledged entries after the damage.
        case truncate
    }

    /// Compaction the store performs by itself once the records part of the log grows past a size.
    ///
    /// The store cannot interpret records, so the caller supplies `fold`, a pure function that
    /// turns the recovered state (snapshot + records) into a new snapshot. It runs on the store's
    /// I/O thread between group commits, so it sees exactly what is in the log and no append races it.
    public struct AutomaticCompaction: Sendable {
        /// Compact once this many bytes of records have been appended since the last snapshot. Default 64 MiB.
        public var thresholdBytes: Int
        /// Produces the new snapshot from the current contents. Must be fast and must not block.
        public var fold: @Sendable (RecoveredState) throws -> [UInt8]

        /// Creates an automatic compaction policy.
        public init(thresholdBytes: Int = 64 << 20, fold: @escaping @Sendable (RecoveredState) throws -> [UInt8]) {
            self.thresholdBytes = max(1, thresholdBytes)
            self.fold = fold
        }
    }

    /// Settings of a ``FileStateStore``; every field has a documented default.
    public struct Configuration: Sendable {
        /// The largest entry (one batch, one group commit frame, or one snapshot) in bytes. Larger
        /// batches and snapshots are refused; on recovery, larger frames are treated as damage.
        /// Default 64 MiB.
        public var maximumEntryBytes: Int = 64 << 20
        /// Automatic compaction; default `nil` (compaction only when the caller calls ``FileStateStore/compact(snapshot:)``).
        public var automaticCompaction: AutomaticCompaction?
        /// What recovery does with damage that is not a torn tail. Default ``CorruptionPolicy/fail``.
        public var corruptionPolicy: CorruptionPolicy = .fail
        /// Whether to create the directory (and its parents) if it is missing. Default `true`.
        public var createDirectory: Bool = true
        /// The name of the store's I/O thread. Default `keel.storage`.
        public var threadName: String = "keel.storage"
        /// Where recovery and compaction events are logged. Default label `keel.storage`.
        public var logger: Logger = Logger(label: "keel.storage")

        /// Creates a configuration with the defaults above.
        public init() {}
    }
}
