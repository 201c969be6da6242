#if canImport(Glibc)
import Glibc
#endif
import KeelLog
import Synchronization

/// The POSIX containerizer's record of its live containers on disk, so that an agent restarted after a crash finds
/// what its previous run left running (see ``PosixContainerCheckpoint``). One append-only file,
/// `<workDirectory>/posix-containers.journal`: a line `+ <id> <checkpoint>` when a container starts and `- <id>` when
/// it is destroyed — one `write` each on a descriptor kept open, so a launch pays no file creation or removal (a file
/// per container cost ~7% of `keel-bench launch`'s rate). When the removed entries outnumber the live ones (and at
/// least ``compactionThreshold`` lines were written), the file is rewritten with the live ones. No `fsync`: only an
/// agent crash, not a machine crash, leaves processes behind. A line torn by a crash is ignored on replay.
final class PosixContainerJournal: Sendable {
    /// Lines written before a compaction is considered.
    static let compactionThreshold = 4_096

    private struct State {
        var fd: Int32 = -1
        var live: [String: PosixContainerCheckpoint] = [:]
        var lines = 0
    }

    let path: String
    private let state = Mutex(State())
    private let logger: Logger

    /// A journal at `path`, written from the first ``record(_:_:)`` on (the file is created then).
    init(path: String, logger: Logger) {
        self.path = path
        self.logger = logger
    }

    deinit {
        state.withLock { if $0.fd >= 0 { close($0.fd) } }
    }

    /// The live containers of a journal's text: every `+` not followed by a `-` of the same ID, the latest `+` of an
    /// ID winning. Malformed lines are skipped.
    static func replay(_ text: String) -> [String: PosixContainerCheckpoint] {
        var live: [String: PosixContainerCheckpoint] = [:]
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ", maxSplits: 2)
            guard fields.count >= 2 else { continue }
            let id = String(fields[1])
            switch fields[0] {
            case "+":
                guard fields.count == 3, let record = PosixContainerCheckpoint(decoding: String(fields[2])) else { continue }
                live[id] = record
            case "-" where fields.count == 2:
                live[id] = nil
            default:
                continue
            }
        }
        return live
    }

    /// Reads what an earlier run left live and removes the file (the caller deals with those containers). Only a
    /// regular file is read (never a FIFO or a link someone put there), up to its size; a compaction that a crash
    /// interrupted leaves its new file, which is removed.
    func takeLeftovers() -> [String: PosixContainerCheckpoint] {
        unlink(path + ".new")
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return [:] }
        defer { close(fd) }
        unlink(path)
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            logger.warning("ignoring a container journal that is not a regular file", ["path": path])
            return [:]
        }
        var bytes = [UInt8](repeating: 0, count: Int(min(max(info.st_size, 0), 64 << 20)))
        var count = 0
        while count < bytes.count {
            let got = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + count, $0.count - count) }
            if got < 0 && errno == EINTR { continue }
            if got <= 0 { break }
            count += got
        }
        return Self.replay(String(decoding: bytes[0..<count], as: UTF8.self))
    }

    /// Notes that container `id` runs as `checkpoint` (best effort: a failure is logged).
    func record(_ id: ContainerID, _ checkpoint: PosixContainerCheckpoint) {
        state.withLock { state in
            state.live[id.value] = checkpoint
            append("+ \(id.value) " + checkpoint.encoded, &state)
        }
    }

    /// Notes that container `id` was destroyed.
    func forget(_ id: ContainerID) {
        state.withLock { state in
            guard state.live.removeValue(forKey: id.value) != nil else { return }
            append("- \(id.value)\n", &state)
            if state.lines >= Self.compactionThreshold, state.lines > 2 * state.live.count { compact(&state) }
        }
    }

    private func append(_ line: String, _ state: inout State) {
        if state.fd < 0 { state.fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600) }
        guard state.fd >= 0 else { return logger.warning("cannot write the container journal", ["path": path, "errno": errno]) }
        let bytes = Array(line.utf8)
        if bytes.withUnsafeBytes({ write(state.fd, $0.baseAddress, $0.count) }) != bytes.count {
            logger.warning("cannot write the container journal", ["path": path, "errno": errno])
        }
        state.lines += 1
    }

    /// Rewrites the file with the live entries only (write a new file, rename it over the old one).
    private func compact(_ state: inout State) {
        let fresh = path + ".new"
        let fd = open(fresh, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { return logger.warning("cannot compact the container journal", ["path": fresh, "errno": errno]) }
        let bytes = Array(state.live.sorted { $0.key < $1.key }.map { "+ \($0.key) " + $0.value.encoded }.joined().utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        guard written == bytes.count, rename(fresh, path) == 0 else {
            unlink(fresh)
            return logger.warning("cannot compact the container journal", ["path": path, "errno": errno])
        }
        if state.fd >= 0 { close(state.fd) }
        state.fd = -1  // reopened (the new file) by the next append
        state.lines = state.live.count
    }
}
