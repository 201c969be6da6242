#if canImport(Glibc)
import Glibc
#endif

extension PosixContainerizer {
    /// Journals container `id`'s process group (best effort: without it, a restart after a crash cannot find the
    /// container, which is logged).
    func checkpoint(_ id: ContainerID, pid: pid_t) {
        guard let bootID = checkpointBootID, let stat = ProcFiles.Stat(pid: pid) else {
            return logger.warning("cannot checkpoint container: no boot ID or /proc entry", ["container": id, "pid": pid])
        }
        journal.record(id, PosixContainerCheckpoint(processGroup: pid, leaderStartTicks: stat.startTicks, bootID: bootID))
    }

    /// Kills the process groups that an earlier run of the agent on this work directory left running (it crashed,
    /// so it neither killed nor destroyed them); their sandboxes stay. Returns the IDs of the containers killed.
    /// Called once, before the first launch.
    @discardableResult
    func killOrphans() -> [String] {
        let leftovers = journal.takeLeftovers()
        guard !leftovers.isEmpty else { return [] }
        let processes = ProcFiles.processIDs().compactMap { pid -> (pid: pid_t, processGroup: pid_t, startTicks: UInt64)? in
            ProcFiles.Stat(pid: pid).map { (pid, $0.processGroup, $0.startTicks) }
        }
        var killed: [String] = []
        for (id, record) in leftovers.sorted(by: { $0.key < $1.key }) {
            guard record.verdict(currentBootID: checkpointBootID, processes: processes) == .kill else { continue }
            if Glibc.kill(-record.processGroup, SIGKILL) == 0 || errno == ESRCH {
                logger.info("removed an orphaned container", ["container": id, "pgid": record.processGroup])
                killed.append(id)
            } else {
                logger.warning("cannot kill an orphaned container", ["container": id, "pgid": record.processGroup, "errno": errno])
            }
        }
        return killed
    }
}
