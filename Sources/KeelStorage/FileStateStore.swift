import KeelLog
import Synchronization

/// A durable ``StateStore``: one append-only, checksummed log file in a directory, with group
/// commit, torn-tail recovery, atomic compaction and a lock against a second opener.
///
/// Layout of `directory`: `state.log` (the log, format in ``LogFormat``), `LOCK` (held with
/// `flock` while open; contains the holder's pid for error messages) and, transiently,
/// `state.log.tmp` (a compaction or creation in progress; a leftover one is removed on open).
///
/// All blocking work (reads, writes, `fsync`, `rename`) runs on a thread the store owns; the async
/// methods only enqueue a job and await its completion, so the cooperative pool never blocks.
/// Appends that arrive while a write is being synced are committed together by the next round
/// (one `write` and one `fdatasync` for all of them).
///
/// Recovery on open: a damaged frame with no intact frame after it is a torn tail (a write that
/// was never acknowledged) and is truncated with a warning; a damaged frame *followed* by an intact
/// one means acknowledged data is damaged, and opening fails with ``StorageError/corruptEntry(path:offset:reason:nextValidOffset:)``
/// unless ``Configuration/corruptionPolicy`` is ``CorruptionPolicy/truncate``; so does damage that
/// runs to the end but spans more bytes than one write (``StorageError/corruptTail(path:offset:reason:bytes:maximumTornBytes:)``).
/// Recovery reads the whole log into memory; compaction keeps it small.
public final class FileStateStore: StateStore {
    /// Name of the log file inside the store's directory.
    public static let logFileName = "state.log"
    /// Name of the lock file inside the store's directory.
    public static let lockFileName = "LOCK"

    /// The directory this store owns.
    public let directory: String
    /// The store's configuration.
    public let configuration: Configuration
    private let thread: StorageThread

    /// Opens (creating if needed) the store in `directory`: takes the lock, removes a leftover
    /// compaction file, validates the log and truncates a torn tail.
    ///
    /// - Throws: ``StorageError/locked(path:holder:)`` if another store holds the directory, or a
    ///   precise ``StorageError`` naming the file and offset if the log is damaged or not a log.
    public init(directory: String, configuration: Configuration = Configuration()) async throws {
        self.directory = directory
        self.configuration = configuration
        let thread = StorageThread()
        self.thread = thread
        try await withCheckedThrowingContinuation { (opened: CheckedContinuation<Void, any Error>) in
            thread.start(name: configuration.threadName) { queue in
                let engine: LogEngine
                do {
                    engine = try LogEngine(directory: directory, configuration: configuration, gauge: queue)
                } catch {
                    queue.finish()
                    opened.resume(throwing: error)
                    return
                }
                opened.resume()
                Self.run(engine, queue)
            }
        }
    }

    deinit {
        _ = thread.enqueue(.close(nil))
    }

    /// The log file's current size in bytes (header, snapshot and records), e.g. to decide when to compact.
    public var logBytes: Int { thread.logBytes.load(ordering: .relaxed) }

    /// Reads the log back: the latest snapshot and the records appended after it.
    public func recover() async throws -> RecoveredState {
        try await withCheckedThrowingContinuation { continuation in
            if !thread.enqueue(.recover(continuation)) { continuation.resume(throwing: StorageError.closed) }
        }
    }

    /// Appends `records` as one atomic batch and returns once it is written and `fdatasync`ed.
    ///
    /// - Throws: ``StorageError/entryTooLarge(bytes:limit:)`` if the batch exceeds
    ///   ``Configuration/maximumEntryBytes`` (nothing is written), ``StorageError/closed``, or the
    ///   I/O error; after a failed `fsync` the store refuses further work (``StorageError/failed(reason:)``).
    public func append(_ records: [[UInt8]]) async throws {
        if records.isEmpty { return }
        let section = LogFormat.encodeRecords(records)
        let bodySize = LogFormat.recordsBodySize(sectionBytes: section.count)
        guard bodySize <= configuration.maximumEntryBytes, records.count <= Int(UInt32.max) else {
            throw StorageError.entryTooLarge(bytes: bodySize, limit: configuration.maximumEntryBytes)
        }
        try await withCheckedThrowingContinuation { continuation in
            if !thread.enqueue(.append(records: section, count: records.count, continuation)) {
                continuation.resume(throwing: StorageError.closed)
            }
        }
    }

    /// Replaces the log by `snapshot` atomically (temporary file, `fsync`, `rename`, directory `fsync`).
    /// Appends made before this call are covered by the snapshot; later ones follow it.
    public func compact(snapshot: [UInt8]) async throws {
        try await withCheckedThrowingContinuation { continuation in
            if !thread.enqueue(.compact(snapshot: snapshot, continuation)) { continuation.resume(throwing: StorageError.closed) }
        }
    }

    /// Finishes queued work, closes the log and releases the lock. Idempotent.
    public func close() async {
        await withCheckedContinuation { continuation in
            if !thread.enqueue(.close(continuation)) { continuation.resume() }
        }
    }

    /// The I/O thread's loop: runs queued jobs in order, committing runs of appends together.
    private static func run(_ engine: LogEngine, _ queue: StorageThread) {
        var closeWaiters: [CheckedContinuation<Void, Never>?] = []
        while closeWaiters.isEmpty {
            var pending: [(records: [UInt8], count: Int)] = []
            var waiting: [CheckedContinuation<Void, any Error>] = []
            func flush() {
                guard !pending.isEmpty else { return }
                for (continuation, result) in zip(waiting, engine.commit(pending)) { continuation.resume(with: result) }
                pending.removeAll()
                waiting.removeAll()
            }
            for job in queue.takeAll() {
                if case let .append(records, count, continuation) = job {
                    pending.append((records, count))
                    waiting.append(continuation)
                    continue
                }
                flush()
                switch job {
                case .append:
                    break
                case let .compact(snapshot, continuation):
                    continuation.resume(with: Result { try engine.compact(snapshot: snapshot) })
                case let .recover(continuation):
                    continuation.resume(with: Result { try engine.recover() })
                case let .close(continuation):
                    closeWaiters.append(continuation)
                }
            }
            flush()
        }
        engine.close()
        queue.finish()
        for waiter in closeWaiters { waiter?.resume() }
    }
}
