#if canImport(Glibc)
import Glibc
#endif
import KeelLog
import Synchronization

/// The POSIX containerizer: each container is a process group started with `posix_spawn` in its own sandbox
/// directory, with optional rlimits. It isolates nothing else (see ``ContainerIsolation/posix``).
///
/// - Launching never forks and never blocks on the child: `posix_spawn` returns once the child has `exec`ed (or
///   reports the `exec` error), and exits are collected by the process-wide ``ProcessReaper`` thread.
/// - Signals go to the whole process group (`kill(-pgid, …)`), so the executor's children die with it.
/// - State lives behind one `Mutex`; no method holds it across an `await`, and waiting is continuation-based.
///
/// The process-group ID equals the main process's pid. Once the main process is reaped, its pid stays reserved as
/// long as any process of its group lives, so group signals cannot reach a stranger; if the group is empty the number
/// could in principle be reused, but only after the kernel's pid counter wraps around.
public final class PosixContainerizer: Containerizer {
    private struct Record {
        var pid: pid_t
        var sandbox: String
        var startedAt: Double
        var killRequested = false
        var termination: ContainerTermination?
        var waiters = TerminationWaiters()
    }

    private enum Slot {
        case launching
        case live(Record)
    }

    private struct State {
        var slots: [ContainerID: Slot] = [:]
    }

    /// The settings this containerizer runs with.
    public let configuration: PosixContainerizerConfiguration
    private let state = Mutex(State())
    private let waiterTokens = WaiterTokens()
    let logger: Logger
    /// This boot's ID, read once (see ``PosixContainerCheckpoint``).
    let checkpointBootID = PosixContainerCheckpoint.currentBootID()
    /// The live containers on disk, for the next run after a crash.
    let journal: PosixContainerJournal

    /// A containerizer writing sandboxes under `configuration.workDirectory`. An earlier run on the same work
    /// directory that crashed (so it never destroyed its containers) left process groups running: they are killed
    /// now, their sandboxes kept (see ``PosixContainerCheckpoint``). Nothing else is touched until the first launch.
    public init(configuration: PosixContainerizerConfiguration, logger: Logger = Logger(label: "keel.container.posix")) {
        self.configuration = configuration
        self.logger = logger
        self.journal = PosixContainerJournal(path: Self.journalPath(configuration), logger: logger)
        if checkpointBootID == nil {
            logger.warning("no boot ID in /proc: containers are not journalled, so a restart after a crash cannot kill them")
        }
        killOrphans()
    }

    /// ``ContainerIsolation/posix``.
    public var isolation: ContainerIsolation { .posix }

    /// Starts `spec` as the leader of a new process group in `<workDirectory>/containers/<id>/`.
    ///
    /// Runs on the caller's thread: a few file-system calls and one `posix_spawn` (about half a millisecond), none of
    /// which waits for the child.
    public func launch(_ spec: ContainerSpec) async throws(ContainerizerError) -> ContainerHandle {
        let id = spec.id
        try state.withLock { (state) throws(ContainerizerError) in
            guard state.slots[id] == nil else { throw .containerAlreadyExists(id.value) }
            state.slots[id] = .launching
        }
        let plan: LaunchPlan
        do {
            plan = try LaunchPlan(spec: spec, configuration: configuration)
        } catch {
            _ = state.withLock { $0.slots.removeValue(forKey: id) }
            throw error
        }
        defer { plan.closeFiles() }
        let startedAt = Clock.unixNow()
        do {
            let pid = try ProcessReaper.shared.spawn({ () throws(ContainerizerError) -> pid_t in
                let pid = try PosixSpawn.spawn(plan.request)
                // Before the reaper watches the pid: the record exists before the exit can be reported, and the
                // leader is not reaped yet while it is journalled.
                state.withLock { $0.slots[id] = .live(Record(pid: pid, sandbox: plan.sandbox, startedAt: startedAt)) }
                checkpoint(id, pid: pid)
                return pid
            }, onExit: { [self] exit in finished(id, exit) })
            logger.debug("launched container", ["container": id, "pid": pid])
            return ContainerHandle(id: id, pid: pid, sandboxDirectory: plan.sandbox, startedAt: startedAt)
        } catch {
            journal.forget(id)
            _ = state.withLock { $0.slots.removeValue(forKey: id) }
            LaunchPlan.removeSandbox(plan.sandbox)
            logger.info("container launch failed", ["container": id, "error": error.description])
            throw error
        }
    }

    /// Waits for the container's main process to end (see ``Containerizer/wait(_:)``).
    public func wait(_ id: ContainerID) async throws -> ContainerTermination {
        let token = waiterTokens.next()
        return try await TerminationWaiters.wait { waiter in
            state.withLock { state in
                guard case .live(var record) = state.slots[id] else { return .failure(ContainerizerError.unknownContainer(id.value)) }
                defer { state.slots[id] = .live(record) }
                return record.waiters.attach(token, waiter, ended: record.termination)
            }
        } detach: {
            state.withLock { state in
                guard case .live(var record) = state.slots[id] else { return nil }
                defer { state.slots[id] = .live(record) }
                return record.waiters.detach(token)
            }
        }
    }

    /// `SIGTERM` to the group, `SIGKILL` to the group after `grace` if the main process still runs.
    public func kill(_ id: ContainerID, grace: Duration) async throws(ContainerizerError) -> ContainerTermination {
        let (pid, first, ended) = try markKilled(id)
        if let ended { return ended }
        if first {
            logger.info("killing container", ["container": id, "pid": pid, "grace": grace])
            signalGroup(pid, SIGTERM)
        }
        let exitedInGrace = await withTaskGroup(of: Bool.self) { group in
            group.addTask { [self] in (try? await wait(id)) != nil }
            group.addTask {
                if grace > .zero { try? await Task.sleep(for: grace) }
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        if !exitedInGrace { signalGroup(pid, SIGKILL) }
        return try await terminationAfterKill(id)
    }

    /// Accepts new resources for a known container and enforces none of them, as at launch (the POSIX containerizer
    /// isolates nothing; ``ContainerIsolation/posix``).
    public func update(_ id: ContainerID, resources: ContainerResources) async throws(ContainerizerError) {
        try state.withLock { (state) throws(ContainerizerError) in
            guard case .live = state.slots[id] else { throw .unknownContainer(id.value) }
        }
    }

    /// Live usage from `/proc` while running; the `wait4` rusage once the main process ended.
    public func usage(_ id: ContainerID) async throws(ContainerizerError) -> ResourceUsage {
        let (pid, termination) = try state.withLock { (state) throws(ContainerizerError) -> (pid_t, ContainerTermination?) in
            guard case .live(let record) = state.slots[id] else { throw .unknownContainer(id.value) }
            return (record.pid, record.termination)
        }
        if let termination {
            return termination.usage ?? ResourceUsage(
                userCPUSeconds: 0, systemCPUSeconds: 0, residentBytes: 0, peakResidentBytes: nil, processes: 0,
                timestamp: termination.endedAt)
        }
        return ResourceUsage.sample(processGroup: pid)
    }

    /// `SIGKILL` to the whole group (also stragglers that outlived the main process), wait, forget, optionally delete
    /// the sandbox.
    public func destroy(_ id: ContainerID, removeSandbox: Bool) async throws(ContainerizerError) -> ContainerTermination {
        let (pid, _, _) = try markKilled(id)
        signalGroup(pid, SIGKILL)
        let termination = try await terminationAfterKill(id)
        // Before the slot goes: a launch of the same ID right after must not lose its own entry.
        journal.forget(id)
        let record = state.withLock { state -> Record? in
            guard case .live(let record) = state.slots.removeValue(forKey: id) else { return nil }
            return record
        }
        if removeSandbox, let record { LaunchPlan.removeSandbox(record.sandbox) }
        logger.debug("destroyed container", ["container": id, "termination": termination])
        return termination
    }

    /// Every known container, sorted.
    public func containers() async -> [ContainerID] {
        state.withLock { Array($0.slots.keys) }.sorted()
    }

    // MARK: - Internals

    /// Marks a kill request; returns the pid, whether this is the first request, and the termination if it ended.
    private func markKilled(_ id: ContainerID) throws(ContainerizerError) -> (pid_t, Bool, ContainerTermination?) {
        try state.withLock { (state) throws(ContainerizerError) in
            guard case .live(var record) = state.slots[id] else { throw .unknownContainer(id.value) }
            let first = !record.killRequested && record.termination == nil
            if record.termination == nil { record.killRequested = true }
            state.slots[id] = .live(record)
            return (record.pid, first, record.termination)
        }
    }

    /// The termination once the main process is gone. It has been sent `SIGKILL`, so this does not hang; the wait
    /// runs in its own task so that cancelling the caller cannot lose the outcome of a kill already under way.
    private func terminationAfterKill(_ id: ContainerID) async throws(ContainerizerError) -> ContainerTermination {
        let outcome = await Task { [self] () async -> Result<ContainerTermination, ContainerizerError> in
            do {
                return .success(try await wait(id))
            } catch let error as ContainerizerError {
                return .failure(error)
            } catch {
                return .failure(.unknownContainer(id.value))  // not reachable: this task is never cancelled
            }
        }.value
        return try outcome.get()
    }

    private func signalGroup(_ pid: pid_t, _ signal: Int32) {
        if Glibc.kill(-pid, signal) != 0, errno != ESRCH {
            logger.warning("cannot signal process group", ["pgid": pid, "signal": signal, "errno": errno])
        }
    }

    /// Called on the reaper thread when the main process was reaped.
    private func finished(_ id: ContainerID, _ exit: ProcessReaper.Exit) {
        let (waiters, termination) = state.withLock { state -> ([CheckedContinuation<ContainerTermination, any Error>], ContainerTermination?) in
            guard case .live(var record) = state.slots[id], record.pid == exit.pid else { return ([], nil) }
            let termination = ContainerTermination(
                status: exit.status, killed: record.killRequested, startedAt: record.startedAt, endedAt: exit.time,
                usage: exit.usage)
            record.termination = termination
            let waiters = record.waiters.takeAll()
            state.slots[id] = .live(record)
            return (waiters, termination)
        }
        guard let termination else { return }
        logger.debug("container ended", ["container": id, "termination": termination])
        for waiter in waiters { waiter.resume(returning: termination) }
    }
}
