#if canImport(Glibc)
import Glibc
#endif
import KeelLog

extension PosixContainerizer {
    /// Journals container `id`'s process group (best effort: without it, a restart after a crash cannot find the
    /// container, which is logged). Called right after the spawn, before the reaper watches the child, so the leader
    /// cannot have been reaped yet and its start time is readable.
    func checkpoint(_ id: ContainerID, pid: pid_t) {
        guard let bootID = checkpointBootID else { return }  // logged once, at init
        guard let stat = ProcFiles.Stat(pid: pid) else {
            return logger.warning("cannot checkpoint container: no /proc entry", ["container": id, "pid": pid])
        }
        journal.record(id, PosixContainerCheckpoint(processGroup: pid, leaderStartTicks: stat.startTicks, bootID: bootID))
    }

    /// Kills what an earlier run of the agent on this work directory left running (it crashed, so it neither killed
    /// nor destroyed its containers): each journalled group whose leader still runs, and — the leader gone — the
    /// members of its group that carry the container's `KEEL_SANDBOX`. Sandboxes stay. Returns the IDs of the
    /// containers it killed something of. Called once, before the first launch.
    @discardableResult
    func killOrphans() -> [String] {
        Self.killOrphans(journal: journal, containersDirectory: configuration.containersDirectory,
                         bootID: checkpointBootID, logger: logger)
    }

    /// ``killOrphans()`` for an agent that no longer runs the POSIX containerizer on `workDirectory` (it now has
    /// Linux isolation): what a crashed POSIX run left is killed all the same.
    @discardableResult
    public static func killOrphans(workDirectory: String, logger: Logger) -> [String] {
        let configuration = PosixContainerizerConfiguration(workDirectory: workDirectory)
        return killOrphans(journal: PosixContainerJournal(path: journalPath(configuration), logger: logger),
                           containersDirectory: configuration.containersDirectory,
                           bootID: PosixContainerCheckpoint.currentBootID(), logger: logger)
    }

    /// `<workDirectory>/posix-containers.journal`.
    static func journalPath(_ configuration: PosixContainerizerConfiguration) -> String {
        configuration.workDirectory + "/posix-containers.journal"
    }

    private static func killOrphans(journal: PosixContainerJournal, containersDirectory: String, bootID: String?,
                                    logger: Logger) -> [String] {
        let leftovers = journal.takeLeftovers()
        guard !leftovers.isEmpty else { return [] }
        let processes = ProcFiles.processIDs().compactMap { pid -> (pid: pid_t, processGroup: pid_t, startTicks: UInt64)? in
            ProcFiles.Stat(pid: pid).map { (pid, $0.processGroup, $0.startTicks) }
        }
        let ownGroup = getpgrp()
        var killed: [String] = []
        for (id, record) in leftovers.sorted(by: { $0.key < $1.key }) where record.processGroup > 1 && record.processGroup != ownGroup {
            let marker = "KEEL_SANDBOX=" + containersDirectory + "/" + id
            let verdict = record.verdict(currentBootID: bootID, processes: processes) { pid in
                environment(of: pid).contains { $0 == marker }
            }
            var targets: [pid_t]
            switch verdict {
            case .gone: continue
            case .killGroup: targets = [-record.processGroup]
            case .killStragglers(let pids): targets = pids
            }
            targets = targets.filter { Glibc.kill($0, SIGKILL) != 0 && errno != ESRCH }
            if targets.isEmpty {
                logger.info("removed an orphaned container", ["container": id, "pgid": record.processGroup])
                killed.append(id)
            } else {
                logger.warning("cannot kill an orphaned container", ["container": id, "pgid": record.processGroup])
            }
        }
        return killed
    }

    /// The entries of `/proc/<pid>/environ` (the environment the process was started with); empty when unreadable.
    static func environment(of pid: pid_t) -> [Substring] {
        guard let text = ProcFiles.read("/proc/\(pid)/environ", limit: 256 << 10) else { return [] }
        return text.split(separator: "\0")
    }
}
