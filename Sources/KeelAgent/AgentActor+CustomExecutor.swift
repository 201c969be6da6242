import Foundation
import KeelActors
import KeelContainer
import KeelCore
import KeelProtocol

/// Custom executors (0003, "Executors"): the agent starts the framework's program in a container, passing it the
/// ``ExecutorEnvironment``; the program registers back as an ``ExecutorService`` actor and receives its tasks as
/// calls, in order. Launches that arrive before the registration wait for it; an executor that does not register
/// within ``AgentConfiguration/executorRegistrationTimeout`` is destroyed and its tasks fail. When the executor's
/// container ends, its unfinished tasks fail (or are killed, if a kill was asked) with
/// `REASON_EXECUTOR_TERMINATED`, and the master hears ``MasterService/executorExited(_:)``.
extension AgentActor {
    /// Hands `launch` to its framework's executor `info`, starting the executor first when it does not run.
    func launchOnCustomExecutor(_ launch: CustomExecutor.Launch, executor info: ExecutorInfo, command: CommandInfo) {
        guard let first = launch.keys.first else { return }
        let key = ExecutorKey(frameworkID: first.frameworkID, executorID: info.executorID)
        if executors[key]?.phase == .terminating {
            for task in launch.keys {
                enqueue(task, .failed, reason: .executorTerminated, message: "executor \(info.executorID) is shutting down")
            }
            return
        }
        if executors[key] == nil {
            executors[key] = CustomExecutor(info: info)
            // The start heads the executor's chain: no call and no resize runs before its container exists, even
            // when the executor registers before `launch` returned.
            // A plain task, not the loop's: the launch does file-system and spawn work that must stay off the loop.
            executors[key]?.lastCall = Task { await self.startExecutor(key, command: command) }
        }
        for task in launch.keys {
            executors[key]?.tasks.insert(task)
            tasks[task]?.containerID = executors[key]?.containerID
            tasks[task]?.sandbox = executors[key]?.sandbox
        }
        if executors[key]?.phase == .registered {
            deliver(launch, to: key)
        } else {
            executors[key]?.pending.append(launch)
        }
    }

    /// Starts the executor's container with the executor environment and arms the registration timeout.
    private func startExecutor(_ key: ExecutorKey, command: CommandInfo) async {
        if let problem = command.problem {
            return abandonExecutor(key, reason: .containerLaunchFailed, message: "executor \(key.executorID): \(problem)")
        }
        guard let program = CommandTranslation.command(command.program) else {
            return abandonExecutor(key, reason: .containerLaunchFailed, message: "executor \(key.executorID) has no command")
        }
        containerRuns += 1
        var secretFile: String?
        let spec: ContainerSpec
        let handle: ContainerHandle
        do {
            let containerID = try CommandTranslation.containerID(for: TaskID("executor-" + key.executorID.value),
                                                                 run: containerRuns)
            var environment: [String: String] = [:]
            for variable in command.environment { environment[variable.name] = variable.value }
            environment[ExecutorEnvironment.agentActor] = id.description
            environment[ExecutorEnvironment.frameworkID] = key.frameworkID.value
            environment[ExecutorEnvironment.executorID] = key.executorID.value
            environment[ExecutorEnvironment.clusterName] = actorSystem.configuration.clusterName
            environment[ExecutorEnvironment.listenHost] = actorSystem.endpoint.host
            if let agentID { environment[ExecutorEnvironment.agentID] = agentID.value }
            if let secret = actorSystem.configuration.sharedSecret {
                secretFile = try writeSecret(secret, for: containerID)
                environment[ExecutorEnvironment.secretFile] = secretFile
            }
            let resources = executorContainerResources(key)
            executors[key]?.containerResources = resources
            spec = ContainerSpec(id: containerID, command: program, environment: environment, resources: resources)
            handle = try await containerizer.launch(spec)
        } catch {
            if let secretFile { unlink(secretFile) }
            return abandonExecutor(key, reason: .containerLaunchFailed,
                                   message: "executor \(key.executorID) failed to launch: \(error)")
        }
        executors[key]?.containerID = spec.id
        executors[key]?.sandbox = handle.sandboxDirectory
        executors[key]?.secretFile = secretFile
        // The executor may already have registered while launch() was finishing (it runs from its exec on).
        if executors[key]?.phase == .launching { executors[key]?.phase = .registering }
        for task in executors[key]?.tasks ?? [] {
            tasks[task]?.containerID = spec.id
            tasks[task]?.sandbox = handle.sandboxDirectory
        }
        logger.info("executor launched", ["executor": key, "container": spec.id])
        // Tasks that joined (or ended) while the container was starting.
        resizeExecutorContainer(key)
        let timeout = configuration.executorRegistrationTimeout
        Task {
            try await self.clock.sleep(for: timeout)
            self.registrationTimedOut(key, container: spec.id)
        }
        Task { await self.awaitExecutorExit(key, container: spec.id) }
    }

    /// Writes the cluster secret for one executor into `<work>/executor-secrets/<container>` (mode 0600).
    private func writeSecret(_ secret: [UInt8], for container: ContainerID) throws -> String {
        let directory = configuration.workDirectory + "/executor-secrets"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let path = directory + "/" + container.description
        guard FileManager.default.createFile(atPath: path, contents: Data(secret), attributes: [.posixPermissions: 0o600])
        else { throw AgentError.sandboxUnreadable("cannot write the executor's secret file \(path)") }
        return path
    }

    /// The executor never started: every task waiting for it fails, and the master releases its resources.
    private func abandonExecutor(_ key: ExecutorKey, reason: TaskReason, message: String) {
        guard let executor = executors.removeValue(forKey: key) else { return }
        for task in executor.tasks.sorted() { enqueue(task, .failed, reason: reason, message: message) }
        notifyExecutorExited(key, status: nil)
    }

    private func registrationTimedOut(_ key: ExecutorKey, container: ContainerID) {
        guard let executor = executors[key], executor.containerID == container, executor.phase == .registering else { return }
        logger.warning("executor did not register in time; destroying it",
                       ["executor": key, "timeout": configuration.executorRegistrationTimeout])
        for launch in executor.pending {
            for task in launch.keys {
                enqueue(task, .failed, reason: .executorRegistrationTimeout,
                        message: "executor \(key.executorID) did not register within \(configuration.executorRegistrationTimeout)")
            }
        }
        executors[key]?.pending = []
        killExecutorContainer(container)
    }

    private func awaitExecutorExit(_ key: ExecutorKey, container: ContainerID) async {
        let termination = try? await containerizer.wait(container)
        _ = try? await containerizer.destroy(container, removeSandbox: false)
        guard let executor = executors[key], executor.containerID == container else { return }
        // Without cgroups, destroying the container kills the executor's process group only; an executor that runs
        // its tasks in groups of their own through a POSIX containerizer on its sandbox (as `keel-executor` does)
        // journals them there, so what it left running is killed too. (The journal is the executor's to write, but
        // under POSIX isolation it runs as the agent's user and could kill those processes itself.)
        if containerizer.isolation == .posix, let sandbox = executor.sandbox {
            PosixContainerizer.killOrphans(workDirectory: sandbox, logger: logger)
        }
        executors[key] = nil
        if let token = executorWatches.removeValue(forKey: key) { actorSystem.unwatch(token) }
        if let secretFile = executor.secretFile { unlink(secretFile) }
        let description = termination.map { "Executor " + $0.description } ?? "Executor ended; its exit status was lost"
        // Its tasks shared its container's memory limit: an OOM kill there is theirs too.
        let outOfMemory = if case .memory? = termination?.limitation { true } else { false }
        for task in executor.tasks.sorted() {
            tasks[task]?.containerID = nil
            guard let state = tasks[task]?.state, !state.isTerminal else { continue }
            let killed = tasks[task]?.killRequested == true
            enqueue(task, killed ? .killed : .failed,
                    reason: outOfMemory && !killed ? .containerLimitationMemory : .executorTerminated, message: description)
        }
        logger.info("executor ended", ["executor": key, "status": description])
        notifyExecutorExited(key, status: termination.flatMap { ProcessExit($0.status) })
    }

    /// Tells the master an executor ended (best effort: a lost notice is repaired by the next re-registration).
    func notifyExecutorExited(_ key: ExecutorKey, status: ProcessExit?) {
        guard let master, let agentID else { return }
        let notice = ExecutorExited(frameworkID: key.frameworkID, agentID: agentID, executorID: key.executorID, status: status)
        let logger = logger
        callingTask {
            do { try await master.executorExited(notice) } catch {
                logger.info("could not tell the master an executor ended", ["executor": key, "error": String(describing: error)])
            }
        }
    }

    /// Sends a launch to a registered executor; tasks killed while they waited are reported killed instead (a
    /// group goes all or nothing).
    func deliver(_ launch: CustomExecutor.Launch, to key: ExecutorKey) {
        let killed = launch.keys.filter { tasks[$0]?.killRequested == true }
        switch launch {
        case .task(let task):
            if !killed.isEmpty {
                enqueue(task, .killed, reason: .taskKilledDuringLaunch, message: "task was killed before it was launched")
                return
            }
            guard let info = tasks[task]?.info else { return }
            callExecutor(key, "launchTask", launching: [task]) { try await $0.launchTask(info) }
        case .group(let group):
            if !killed.isEmpty {
                for task in group {
                    enqueue(task, .killed, reason: .taskKilledDuringLaunch,
                            message: "a task of the group was killed before the group was launched")
                }
                return
            }
            let infos = group.compactMap { tasks[$0]?.info }
            callExecutor(key, "launchTaskGroup", launching: group) {
                try await $0.launchTaskGroup(TaskGroupInfo(tasks: infos))
            }
        }
    }

    /// Queues a call to a registered executor behind the earlier calls and container updates. An executor that
    /// cannot be reached is destroyed (its container's exit then fails its tasks). A call `launching` tasks first
    /// fits the executor's container to them; when that fails, the tasks fail and the call is not made.
    func callExecutor(_ key: ExecutorKey, _ what: String, launching: [TaskKey] = [],
                      _ call: @escaping @Sendable ($ExecutorService) async throws -> Void) {
        guard let executor = executors[key], let actor = executor.actor else { return }
        let stub: $ExecutorService
        do { stub = try $ExecutorService.resolve(id: actor, using: actorSystem) } catch {
            logger.warning("cannot resolve executor", ["executor": key, "error": String(describing: error)])
            return
        }
        chainExecutorWork(key) {
            if !launching.isEmpty, await !self.fitExecutorContainer(key, launching: launching) { return }
            do { try await call(stub) } catch { await self.executorCallFailed(key, actor: actor, what, error) }
        }
    }

    /// Runs `work` once the executor's earlier calls and container updates are done, so they happen in order.
    func chainExecutorWork(_ key: ExecutorKey, _ work: @escaping @Sendable () async -> Void) {
        guard let previous = executors[key].map(\.lastCall) else { return }
        executors[key]?.lastCall = callingTask {
            await previous?.value
            await work()
        }
    }

    private func executorCallFailed(_ key: ExecutorKey, actor: ActorID, _ what: String, _ error: any Error) {
        // An executor told to shut down may exit before its answer leaves: expected, and its exit is handled anyway.
        if executors[key]?.phase == .terminating {
            logger.debug("call to a terminating executor failed", ["executor": key, "call": what])
            return
        }
        logger.warning("call to executor failed", ["executor": key, "call": what, "error": String(describing: error)])
        if error is ActorSystemError { executorUnreachable(key, actor: actor) }
    }

    private func executorUnreachable(_ key: ExecutorKey, actor: ActorID) {
        guard let executor = executors[key], executor.actor == actor, let container = executor.containerID else { return }
        logger.warning("executor unreachable; destroying it", ["executor": key])
        killExecutorContainer(container)
    }

    private func killExecutorContainer(_ container: ContainerID) {
        let containerizer = containerizer
        Task { _ = try? await containerizer.kill(container, grace: .zero) }
    }

    /// The executor `key` of a task, when the task runs on a custom executor.
    func customExecutor(of task: TaskKey) -> ExecutorKey? {
        guard let executorID = tasks[task]?.executorID else { return nil }
        let key = ExecutorKey(frameworkID: task.frameworkID, executorID: executorID)
        return executors[key]?.tasks.contains(task) == true ? key : nil
    }

    /// A kill for a task of a custom executor: forwarded when the executor runs it; a task still waiting for the
    /// executor's registration is dropped from the queue and reported killed.
    func requestCustomKill(_ task: TaskKey, executor key: ExecutorKey, policy: KillPolicy?) {
        tasks[task]?.killRequested = true
        if executors[key]?.phase == .registered {
            callExecutor(key, "killTask") { try await $0.killTask(task.taskID, killPolicy: policy) }
            return
        }
        guard let index = executors[key]?.pending.firstIndex(where: { $0.keys.contains(task) }),
              let launch = executors[key]?.pending.remove(at: index) else { return }
        for member in launch.keys {
            enqueue(member, .killed, reason: .taskKilledDuringLaunch,
                    message: member == task ? "task was killed before it was launched"
                        : "task \(task.taskID) of the group was killed before the group was launched")
        }
    }

    /// Asks an executor to shut down; its container is killed if it still runs after the grace period.
    func shutdownExecutor(_ key: ExecutorKey) {
        guard let executor = executors[key], executor.phase != .terminating else { return }
        executors[key]?.phase = .terminating
        guard let container = executor.containerID else { return }
        for launch in executor.pending {
            for task in launch.keys { enqueue(task, .killed, reason: .frameworkRemoved, message: "the framework was removed") }
        }
        executors[key]?.pending = []
        guard executor.phase == .registered else { return killExecutorContainer(container) }
        callExecutor(key, "shutdown") { try await $0.shutdown() }
        let grace = configuration.executorShutdownGracePeriod
        Task {
            try await self.clock.sleep(for: grace)
            self.killIfStillRunning(key, container: container)
        }
    }

    private func killIfStillRunning(_ key: ExecutorKey, container: ContainerID) {
        guard executors[key]?.containerID == container else { return }
        logger.info("executor still running after its shutdown grace period; killing it", ["executor": key])
        killExecutorContainer(container)
    }

    /// Registers a launched executor and sends it the launches that waited.
    func acceptRegistration(_ request: RegisterExecutorRequest) throws -> ExecutorRegistered {
        let key = ExecutorKey(frameworkID: request.frameworkID, executorID: request.executorID)
        // `.launching`: the process runs and called before the agent resumed from `containerizer.launch` (a fast
        // launcher makes this common); it is the executor that launch started, so it is accepted the same way.
        guard let executor = executors[key],
              executor.phase == .launching || executor.phase == .registering || executor.phase == .registered else {
            throw AgentError.unknownExecutor(request.frameworkID, request.executorID)
        }
        guard executor.phase != .registered else {
            throw AgentError.executorAlreadyRegistered(request.frameworkID, request.executorID)
        }
        guard let agentID, let framework = frameworks[key.frameworkID] else { throw AgentError.notRegistered(agentID) }
        executors[key]?.actor = request.actor
        executors[key]?.phase = .registered
        let actor = request.actor
        executorWatches[key] = actorSystem.watch(actor) { [weak self] _ in
            guard let self else { return }
            Task { await self.whenLocal { agent in agent.executorUnreachable(key, actor: actor) } }
        }
        // The SDK holds these calls until it has handled this registration's answer.
        for launch in executor.pending { deliver(launch, to: key) }
        executors[key]?.pending = []
        logger.info("executor registered", ["executor": key, "actor": actor])
        return ExecutorRegistered(agentID: agentID, framework: framework, executor: executor.info)
    }

    /// Every custom executor, for re-registration.
    var executorSnapshots: [ExecutorSnapshot] {
        executors.keys.sorted().compactMap { key in
            executors[key].map { ExecutorSnapshot(frameworkID: key.frameworkID, executor: $0.info) }
        }
    }
}
