import Glibc
import KeelLog

/// The file store's state and blocking operations. Confined to the store's I/O thread: it is
/// created there, used only there, and never shared (it is not `Sendable`).
final class LogEngine {
    let directory: String
    let logPath: String
    let tempPath: String
    let lockPath: String
    let configuration: FileStateStore.Configuration
    let logger: Logger
    /// Where ``FileStateStore/logBytes`` is published.
    let gauge: StorageThread

    private var lockFD: Int32
    private var logFD: Int32 = -1
    /// End of the last durable frame: where the next group commit is written.
    private var end = 0
    /// Where the next automatic compaction is due (log size in bytes), if enabled.
    private var nextAutomaticCompaction = Int.max
    /// Set when a write or fsync failed in a way that leaves the durable state unknown.
    private var failure: StorageError?

    /// Locks `directory`, removes a leftover compaction file, creates or recovers the log (truncating a torn tail).
    init(directory: String, configuration: FileStateStore.Configuration, gauge: StorageThread) throws {
        self.directory = directory
        self.configuration = configuration
        self.logger = configuration.logger.with("directory", directory)
        self.gauge = gauge
        logPath = directory + "/" + FileStateStore.logFileName
        tempPath = logPath + ".tmp"
        lockPath = directory + "/" + FileStateStore.lockFileName
        if configuration.createDirectory { try FileIO.makeDirectories(directory) }
        lockFD = try Self.lock(lockPath)
        do {
            try openLog()
        } catch {
            close()
            throw error
        }
    }

    /// Releases the log and the lock. Idempotent.
    func close() {
        if logFD >= 0 { FileIO.close(logFD) }
        if lockFD >= 0 { FileIO.close(lockFD) }
        logFD = -1
        lockFD = -1
    }

    // MARK: Operations

    /// Writes `batches` (encoded records sections) as one records frame per round, each with one
    /// write and one fsync. Returns one result per batch.
    func commit(_ batches: [(records: [UInt8], count: Int)]) -> [Result<Void, StorageError>] {
        var results: [Result<Void, StorageError>] = []
        results.reserveCapacity(batches.count)
        var index = 0
        while index < batches.count {
            // Take as many batches as fit into one frame (a single batch always fits: checked on enqueue).
            var sectionBytes = batches[index].records.count
            var count = batches[index].count
            var last = index + 1
            while last < batches.count,
                  LogFormat.recordsBodySize(sectionBytes: sectionBytes + batches[last].records.count) <= configuration.maximumEntryBytes {
                sectionBytes += batches[last].records.count
                count += batches[last].count
                last += 1
            }
            var header: [UInt8] = []
            LogFormat.appendLE(UInt32(truncatingIfNeeded: count), to: &header)
            let payload = [header] + batches[index..<last].map(\.records)
            let result = writeFrame(payload)
            results.append(contentsOf: repeatElement(result, count: last - index))
            index = last
        }
        compactAutomaticallyIfDue()
        return results
    }

    private func writeFrame(_ payload: [[UInt8]]) -> Result<Void, StorageError> {
        if let failure { return .failure(.failed(reason: failure.description)) }
        var frame: [UInt8] = []
        frame.reserveCapacity(LogFormat.frameHeaderSize + 1 + payload.reduce(0) { $0 + $1.count })
        LogFormat.appendFrame(kind: .records, payload: payload, to: &frame)
        do {
            try FileIO.write(logFD, frame, at: end, path: logPath)
        } catch {
            // Nothing was acknowledged: cut the partial frame off so later frames follow intact data.
            do {
                try FileIO.truncate(logFD, to: end, path: logPath)
            } catch {
                return .failure(poison(error))
            }
            return .failure(error as? StorageError ?? .failed(reason: "\(error)"))
        }
        do {
            try FileIO.syncData(logFD, path: logPath)
        } catch {
            // After a failed fsync the kernel may have dropped dirty pages: nothing is known any more.
            return .failure(poison(error))
        }
        end += frame.count
        gauge.logBytes.store(end, ordering: .relaxed)
        return .success(())
    }

    func recover() throws -> RecoveredState {
        if let failure { throw StorageError.failed(reason: failure.description) }
        var bytes = try FileIO.readAll(logFD, path: logPath)
        if bytes.count > end { bytes.removeLast(bytes.count - end) }
        let scan = try LogFormat.scan(bytes, path: logPath, maximumEntryBytes: configuration.maximumEntryBytes, tolerateCorruption: false)
        if let damage = scan.damage {
            // Everything up to `end` was validated at open or written and synced by us since.
            throw StorageError.malformedEntry(path: logPath, offset: damage.offset, reason: "\(damage.reason) (the file changed under the open store)")
        }
        return scan.state
    }

    /// Writes `snapshot` as a new log file and renames it over the old one.
    func compact(snapshot: [UInt8]) throws {
        if let failure { throw StorageError.failed(reason: failure.description) }
        guard 1 + snapshot.count <= configuration.maximumEntryBytes else {
            throw StorageError.entryTooLarge(bytes: 1 + snapshot.count, limit: configuration.maximumEntryBytes)
        }
        var file = LogFormat.fileHeader(hasSnapshot: true)
        LogFormat.appendFrame(kind: .snapshot, payload: [snapshot], to: &file)
        let fd = try writeTemporary(file)
        do {
            try FileIO.rename(tempPath, to: logPath)
        } catch {
            FileIO.close(fd)
            try? FileIO.remove(tempPath)
            throw error
        }
        // The new file is in place; from here on a failure leaves durability unknown.
        FileIO.close(logFD)
        logFD = fd
        end = file.count
        gauge.logBytes.store(end, ordering: .relaxed)
        do {
            try FileIO.syncDirectory(directory)
        } catch {
            throw poison(error)
        }
        if let automatic = configuration.automaticCompaction { nextAutomaticCompaction = end + automatic.thresholdBytes }
        logger.info("compacted log", ["bytes": end])
    }

    // MARK: Opening

    /// How long opening keeps trying a lock that is held. A process that forks (or `posix_spawn`s) while a store
    /// is open holds a duplicate of the lock file's description until the child execs, so a store closed and at
    /// once reopened in the same process can find its own lock briefly held; a real second owner holds it for good.
    static let lockRetryWindow: Duration = .milliseconds(250)

    private static func lock(_ path: String) throws -> Int32 {
        let fd = try FileIO.open(path, O_RDWR | O_CREAT)
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: lockRetryWindow)
        var pause = timespec(tv_sec: 0, tv_nsec: 2_000_000)
        // Runs on the store's own I/O thread (never the cooperative pool), so a short blocking pause is fine.
        while flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK && clock.now < deadline {
            nanosleep(&pause, nil)
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            let holder = (try? FileIO.readAll(fd, path: path)).map { String(decoding: $0, as: UTF8.self) } ?? ""
            FileIO.close(fd)
            if code == EWOULDBLOCK {
                throw StorageError.locked(path: path, holder: holder.isEmpty ? "unknown holder" : holder)
            }
            throw StorageError.system(operation: "flock", path: path, errno: code)
        }
        // Informational only: the flock is what excludes, and it dies with its holder.
        let note = Array("pid \(getpid())".utf8)
        _ = ftruncate(fd, 0)
        _ = try? FileIO.write(fd, note, at: 0, path: path)
        return fd
    }

    private func openLog() throws {
        if FileIO.exists(tempPath) {
            logger.notice("removing leftover compaction file (a compaction did not finish; the log is intact)", ["path": tempPath])
            try FileIO.remove(tempPath)
        }
        if !FileIO.exists(logPath) {
            let fd = try writeTemporary(LogFormat.fileHeader(hasSnapshot: false))
            FileIO.close(fd)
            try FileIO.rename(tempPath, to: logPath)
            try FileIO.syncDirectory(directory)
            logger.info("created log", ["path": logPath])
        }
        logFD = try FileIO.open(logPath, O_RDWR)
        let bytes = try FileIO.readAll(logFD, path: logPath)
        let tolerate = configuration.corruptionPolicy == .truncate
        let scan = try LogFormat.scan(bytes, path: logPath, maximumEntryBytes: configuration.maximumEntryBytes, tolerateCorruption: tolerate)
        if let damage = scan.damage {
            let dropped = bytes.count - damage.offset
            if damage.nextValidOffset != nil || damage.exceedsOneWrite {
                logger.error("truncating the log at a corrupt entry as configured; acknowledged data after it is lost",
                             ["path": logPath, "offset": damage.offset, "reason": damage.reason, "nextValidOffset": damage.nextValidOffset.map { "\($0)" } ?? "none", "droppedBytes": dropped])
            } else {
                logger.warning("truncating torn tail of the log (an unacknowledged write interrupted by a crash)",
                               ["path": logPath, "offset": damage.offset, "reason": damage.reason, "droppedBytes": dropped])
            }
            try FileIO.truncate(logFD, to: damage.offset, path: logPath)
            try FileIO.syncData(logFD, path: logPath)
        }
        end = scan.validEnd
        gauge.logBytes.store(end, ordering: .relaxed)
        if let automatic = configuration.automaticCompaction { nextAutomaticCompaction = scan.recordsStart + automatic.thresholdBytes }
    }

    /// Writes `bytes` to a fresh temporary file and syncs it; returns its descriptor (read-write).
    private func writeTemporary(_ bytes: [UInt8]) throws -> Int32 {
        let fd = try FileIO.open(tempPath, O_RDWR | O_CREAT | O_TRUNC)
        do {
            try FileIO.write(fd, bytes, at: 0, path: tempPath)
            try FileIO.syncData(fd, path: tempPath)
        } catch {
            FileIO.close(fd)
            try? FileIO.remove(tempPath)
            throw error
        }
        return fd
    }

    // MARK: Failures and automatic compaction

    private func poison(_ error: any Error) -> StorageError {
        let storageError = error as? StorageError ?? .failed(reason: "\(error)")
        failure = storageError
        logger.critical("state store failed; it must be reopened", ["error": storageError.description])
        return storageError
    }

    private func compactAutomaticallyIfDue() {
        guard failure == nil, let automatic = configuration.automaticCompaction, end >= nextAutomaticCompaction else { return }
        do {
            let state = try recover()
            try compact(snapshot: automatic.fold(state))
        } catch {
            nextAutomaticCompaction = end + automatic.thresholdBytes
            logger.error("automatic compaction failed; retrying after more appends", ["error": "\(error)", "bytes": end])
        }
    }
}
