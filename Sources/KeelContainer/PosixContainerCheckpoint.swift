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
        /// Its leader still runs: kill the whole group.
        case killGroup
        /// Its leader is gone but these processes of the group carry the container's marker: kill each.
        case killStragglers([pid_t])
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

    /// Whether the group still runs, from the host's processes (`pid`, its process group and start ticks). The
    /// leader alive with the recorded start time is the group. A live process with the leader's pid but another
    /// start time means the pid was reused: not ours. With the leader gone, the group's number may already name
    /// another group (a daemon's double fork leaves leaderless groups; a new pid namespace reuses low pids at once),
    /// so only members that started no earlier than the leader *and* carry the container's marker
    /// (`isOurs`, e.g. its `KEEL_SANDBOX` in `/proc/<pid>/environ`) are taken for stragglers.
    func verdict(currentBootID: String?, processes: [(pid: pid_t, processGroup: pid_t, startTicks: UInt64)],
                 isOurs: (pid_t) -> Bool) -> Verdict {
        guard currentBootID == bootID else { return .gone }
        if let leader = processes.first(where: { $0.pid == processGroup }) {
            return leader.startTicks == leaderStartTicks ? .killGroup : .gone
        }
        let stragglers = processes.filter { $0.processGroup == processGroup && $0.startTicks >= leaderStartTicks && isOurs($0.pid) }
        return stragglers.isEmpty ? .gone : .killStragglers(stragglers.map(\.pid))
    }

    /// This boot's ID, `nil` when it cannot be read.
    static func currentBootID() -> String? {
        ProcFiles.read("/proc/sys/kernel/random/boot_id").map { String($0.filter { !$0.isWhitespace }) }
    }
}
