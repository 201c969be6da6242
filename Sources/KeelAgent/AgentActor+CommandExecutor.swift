import KeelContainer
import KeelCore
import KeelProtocol

/// The built-in command executor: each task's command runs in its own container and sandbox; its exit becomes
/// the terminal update (FINISHED on 0, FAILED otherwise, KILLED when the agent killed it).
extension AgentActor {
    func launchCommandTask(_ key: TaskKey) async {
        guard tasks[key] != nil else { return }
        enqueue(key, .starting)
        if let problem = launchProblem(key) {
            enqueue(key, .failed, reason: .containerLaunchFailed, message: problem)
            return
        }
        _ = await launchContainer(key)
    }

    /// Launches a task group all or nothing: every command is checked before any starts, and if one fails to
    /// start the ones already started are killed.
    func launchGroup(_ keys: [TaskKey], executor: ExecutorInfo) async {
        for key in keys { enqueue(key, .starting) }
        if let (culprit, problem) = keys.lazy.compactMap({ key in self.launchProblem(key).map { (key, $0) } }).first {
            for key in keys {
                let message = key == culprit ? problem : "task \(culprit.taskID) of the group cannot launch: \(problem)"
                enqueue(key, .failed, reason: .containerLaunchFailed, message: message)
            }
            return
        }
        var launched: [TaskKey] = []
        for (index, key) in keys.enumerated() {
            if await launchContainer(key) {
                launched.append(key)
                continue
            }
            for other in keys[(index + 1)...] {
                enqueue(other, .failed, reason: .containerLaunchFailed,
                        message: "task \(key.taskID) of the group failed to launch")
            }
            for other in launched { requestKill(other, policy: nil) }
            return
        }
    }

    /// Why the task's command cannot be launched, or `nil`.
    func launchProblem(_ key: TaskKey) -> String? {
        guard let command = tasks[key]?.info.command else { return "task \(key.taskID) has no command" }
        if let problem = command.problem { return "task \(key.taskID): \(problem)" }
        if command.user != nil { return "task \(key.taskID): running as another user is not supported by this agent" }
        if let isolation = tasks[key]?.info.isolation, isolation.needsLinuxIsolation, containerizer.isolation != .linux {
            return "task \(key.taskID) asks for isolation options (capabilities, network none or a host name) that this "
                + "agent cannot enforce: its isolation is \(containerizer.isolation), not linux"
        }
        return nil
    }

    /// The container options for a task's ``TaskInfo/isolation`` (`nil` when it sets none).
    static func linuxOptions(_ isolation: TaskIsolation?) -> LinuxContainerOptions? {
        guard let isolation else { return nil }
        return LinuxContainerOptions(capabilities: isolation.capabilities,
                                     isolatedNetwork: isolation.network.map { $0 == .loopbackOnly },
                                     hostname: isolation.hostname)
    }

    /// Starts the task's container, reports RUNNING and watches for its exit. Returns whether it started; a
    /// failure has been reported as TASK_FAILED.
    func launchContainer(_ key: TaskKey) async -> Bool {
        guard let task = tasks[key], let command = task.info.command,
              let program = CommandTranslation.command(command.program) else { return false }
        if task.killRequested {
            enqueue(key, .killed, reason: .taskKilledDuringLaunch, message: "task was killed before it was launched")
            return false
        }
        containerRuns += 1
        let spec: ContainerSpec
        do {
            let containerID = try CommandTranslation.containerID(for: key.taskID, run: containerRuns)
            spec = ContainerSpec(id: containerID, command: program,
                                 environment: CommandTranslation.environment(command, key: key, agentID: agentID,
                                                                            executorID: task.executorID),
                                 resources: Self.containerResources(task.info.resources),
                                 linux: Self.linuxOptions(task.info.isolation))
            let handle = try await containerizer.launch(spec)
            tasks[key]?.sandbox = handle.sandboxDirectory
        } catch {
            enqueue(key, .failed, reason: .containerLaunchFailed, message: error.description)
            return false
        }
        tasks[key]?.containerID = spec.id
        if tasks[key]?.killRequested == true {
            killContainer(spec.id, grace: task.gracePeriod(override: nil, default: configuration.killGracePeriod))
        } else {
            enqueue(key, .running)
        }
        Task { await self.awaitExit(key, container: spec.id) }
        return true
    }

    private func awaitExit(_ key: TaskKey, container: ContainerID) async {
        let termination: ContainerTermination
        do {
            termination = try await containerizer.wait(container)
        } catch {
            enqueue(key, .failed, reason: .executorTerminated, message: "lost track of the task's container: \(error)")
            return
        }
        _ = try? await containerizer.destroy(container, removeSandbox: false)
        tasks[key]?.containerID = nil
        let exit = ProcessExit(termination.status)
        defer { groupTaskEnded(key, exit: exit) }
        let killed = tasks[key]?.killRequested == true
        let message = "Command " + termination.description
        if case .memory? = termination.limitation, !killed {
            enqueue(key, .failed, reason: .containerLimitationMemory, message: message, exit: exit)
        } else if killed {
            enqueue(key, .killed, message: message, exit: exit)
        } else if termination.succeeded {
            enqueue(key, .finished, message: message, exit: exit)
        } else {
            enqueue(key, .failed, message: message, exit: exit)
        }
    }

    /// The built-in executor of a task group ends with the group's last task: the master then releases the
    /// executor's resources.
    func groupTaskEnded(_ key: TaskKey, exit: ProcessExit?) {
        guard let executorID = tasks[key]?.executorID else { return }
        let executor = ExecutorKey(frameworkID: key.frameworkID, executorID: executorID)
        guard groupExecutors.contains(executor) else { return }
        let running = tasks.contains { other, task in
            other.frameworkID == key.frameworkID && task.executorID == executorID
                && (task.containerID != nil || !task.state.isTerminal)
        }
        guard !running else { return }
        groupExecutors.remove(executor)
        notifyExecutorExited(executor, status: exit)
    }

    /// What the containerizer enforces for a task: `cpus`, `mem` (MiB) and `gpus` of its resources.
    static func containerResources(_ resources: Resources) -> ContainerResources {
        func amount(_ name: String) -> Double? {
            let value = resources.scalar(named: name).doubleValue
            return value > 0 ? value : nil
        }
        return ContainerResources(cpus: amount("cpus"), memoryBytes: amount("mem").map { UInt64($0 * 1_048_576) },
                                  gpus: amount("gpus").map { Int($0) })
    }

    /// Marks a task killed and, once its container runs, sends SIGTERM then SIGKILL after the grace period. Sends
    /// TASK_KILLING first to frameworks that opted in. A task not yet launched is reported killed at launch.
    func requestKill(_ key: TaskKey, policy: KillPolicy?) {
        guard let task = tasks[key], !task.state.isTerminal, !task.killRequested else { return }
        if let executor = customExecutor(of: key) { return requestCustomKill(key, executor: executor, policy: policy) }
        tasks[key]?.killRequested = true
        let opted = frameworks[key.frameworkID]?.capabilities.contains(.taskKillingState) ?? false
        if opted, task.state == .starting || task.state == .running { enqueue(key, .killing) }
        if let container = task.containerID {
            killContainer(container, grace: task.gracePeriod(override: policy, default: configuration.killGracePeriod))
        }
    }

    private func killContainer(_ container: ContainerID, grace: Duration) {
        let containerizer = self.containerizer
        let logger = self.logger
        Task {
            do { _ = try await containerizer.kill(container, grace: grace) } catch ContainerizerError.unknownContainer {
                // It exited (and was cleaned up) while the kill was on its way: nothing left to kill.
                logger.debug("kill raced with the task's exit", ["container": container])
            } catch {
                logger.warning("kill failed", ["container": container, "error": String(describing: error)])
            }
        }
    }
}
