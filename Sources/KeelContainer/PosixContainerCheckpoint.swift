#if canImport(Glibc)
import Glibc
#endif

/// A POSIX container's identity, journalled (``PosixContainerJournal``) so that an agent restarted after a crash
/// finds what its previous run left running: the containers are process groups, and a new agent process is not their
/// parent. Text form: `<process group> <leader start ticks> <boot id>`.
struct PosixContainerCheckpoint: Sendable, Equatable {
    /// The container's process group (its main process's pid).
    var processGroup: pid_t
    /// When the group's leader started (`/proc/<pid>/stat` field 22): with the pid, the process's identity.
    var leaderStartTicks: UInt64
    /// `/proc/sys/kernel/random/boot_id` at launch: after a reboot no process of the group can be alive.
    var bootID: String

    /// What to do with a checkpointed group after a restart.
    enum Verdict: Sendable, Equatable {
        /// Processes of the group still run: kill the group.
        case kill
        /// Nothing of it is left (or its pid now names someone else): forget it.
        case gone
    }

    /// The file's text.
    var encoded: String { "\(processGroup) \(leaderStartTicks) \(bootID)\n" }

    init(processGroup: pid_t, leaderStartTicks: UInt64, bootID: String) {
        self.processGroup = processGroup
        self.leaderStartTicks = leaderStartTicks
        self.bootID = bootID
    }

    /// Parses a checkpoint file; `nil` for anything malformed (never a group of 1 or less: `kill(-1)` signals
    /// everything).
    init?(decoding text: String) {
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard fields.count == 3, let group = pid_t(fields[0]), group > 1, let start = UInt64(fields[1]) else { return nil }
        self.init(processGroup: group, leaderStartTicks: start, bootID: String(fields[2]))
    }

    /// Whether the group still runs, from the host's processes (`pid`, its `/proc/<pid>/stat`). The leader alive with
    /// the recorded start time is the group. With the leader gone, members that started no earlier than it are its
    /// stragglers: a group ID cannot be taken by a new group while any member of the old one lives. A live process
    /// with the leader's pid but another start time means the pid was reused: not ours.
    func verdict(currentBootID: String?, processes: [(pid: pid_t, processGroup: pid_t, startTicks: UInt64)]) -> Verdict {
        guard currentBootID == bootID else { return .gone }
        if let leader = processes.first(where: { $0.pid == processGroup }) {
            return leader.startTicks == leaderStartTicks ? .kill : .gone
        }
        let stragglers = processes.contains { $0.processGroup == processGroup && $0.startTicks >= leaderStartTicks }
        return stragglers ? .kill : .gone
    }

    /// This boot's ID, `nil` when it cannot be read.
    static func currentBootID() -> String? {
        ProcFiles.read("/proc/sys/kernel/random/boot_id").map { String($0.filter { !$0.isWhitespace }) }
    }
}
