import Distributed
import Foundation
import KeelActors
import KeelContainer
import KeelCore
import KeelIsolation
import KeelLog
import KeelProtocol

/// A Keel agent (Mesos' slave): registers with the master, runs tasks with the built-in command executor through a
/// ``Containerizer``, and delivers their status updates reliably (``StatusUpdateManager``).
///
/// Create it with ``init(actorSystem:configuration:containerizer:clock:logger:)`` and call ``start()``. The agent has
/// no well-known name: it sends its ``ActorID`` in ``RegisterAgentRequest/actor``. Calls from the master return once
/// the request is in the agent's state; outcomes travel back as ``MasterService/statusUpdates(_:from:)`` calls.
public distributed actor AgentActor: AgentService {
    /// Agents run on Keel's actor runtime.
    public typealias ActorSystem = KeelActorSystem

    /// The settings the agent runs with.
    let configuration: AgentConfiguration
    let containerizer: any Containerizer
    let clock: any AgentClock
    let logger: Logger

    /// The ID the master assigned; `nil` before the first registration.
    var agentID: AgentID?
    /// The master the agent is registered with; `nil` while (re-)registering.
    var master: $MasterService?
    var masterWatch: WatchToken?
    var registration: Task<Void, Never>?
    var shuttingDown = false
    var tasks: [TaskKey: AgentTask] = [:]
    var frameworks: [FrameworkID: FrameworkInfo] = [:]
    var updates = StatusUpdateManager()
    var deliveries: [TaskKey: Task<Void, Never>] = [:]
    /// Carries the status updates of every task to the current master, several per call under load.
    var updateSender: BatchingCaller<StatusUpdate>?
    var containerRuns: UInt64 = 0
    var random = SystemRandomNumberGenerator()
    var registrationWaiters: [CheckedContinuation<AgentID?, Never>] = []
    /// Sandboxes of completed, forgotten tasks that stay readable (bounded; oldest first in ``completedOrder``).
    var completedSandboxes: [TaskKey: String] = [:]
    var completedOrder: [TaskKey] = []
    let sandboxReader = SandboxReader()
    /// Custom executors launched on this agent.
    var executors: [ExecutorKey: CustomExecutor] = [:]
    var executorWatches: [ExecutorKey: WatchToken] = [:]
    /// Executors of task groups run by the built-in executor that still have a task running.
    var groupExecutors: Set<ExecutorKey> = []
    var started = false

    /// The agent runs on its node's event loop (``LoopSerialExecutor``): calls from the master and the replies to its
    /// own calls resume it on the thread that read them, without waking a pool thread each time. It never blocks:
    /// process spawning, waiting and file I/O happen in the containerizer and the sandbox reader, off this thread.
    public nonisolated var unownedExecutor: UnownedSerialExecutor {
        actorSystem.loop.serialExecutor.asUnownedSerialExecutor()
    }

    /// Starts a task for work that calls other nodes (the master, executors). It prefers this node's event loop, so
    /// each call is encoded, sent and resumed on the loop thread; a plain `Task` here would hop to the global pool and
    /// back around every call (measured with `keel-bench rpc`'s echo calls: about 13 µs per round trip this way, 28 µs
    /// from a plain task of an actor on the loop).
    @discardableResult
    nonisolated func callingTask(_ operation: sending @escaping () async -> Void) -> Task<Void, Never> {
        Task(executorPreference: actorSystem.loop, operation: operation)
    }

    /// An agent. `containerizer` defaults to the one ``AgentConfiguration/isolation`` selects (Linux or POSIX) under
    /// ``AgentConfiguration/workDirectory``.
    public init(actorSystem: KeelActorSystem, configuration: AgentConfiguration,
                containerizer: (any Containerizer)? = nil, clock: any AgentClock = SystemAgentClock(),
                logger: Logger = Logger(label: "keel.agent")) {
        self.actorSystem = actorSystem
        self.configuration = configuration
        if let containerizer {
            self.containerizer = containerizer
        } else {
            let (chosen, warning) = configuration.isolation.makeContainerizer(
                workDirectory: configuration.workDirectory, logger: logger)
            if let warning { logger.warning(warning) }
            self.containerizer = chosen
        }
        self.clock = clock
        self.logger = logger
    }

    // MARK: Local control

    /// Starts registering with the master (retrying with backoff until admitted). Idempotent.
    public nonisolated func start() async {
        await whenLocal { agent in
            if !agent.started {
                agent.started = true
                agent.collectLeftoverSandboxes()
            }
            agent.beginRegistration()
        }
    }

    /// Stops: no more (re-)registration or retries, every task killed with its grace period. With `unregister`, the
    /// master is then told the agent is leaving (``MasterService/unregisterAgent(_:)``; its tasks become GONE).
    public nonisolated func shutdown(unregister: Bool = false) async {
        await whenLocal { agent in await agent.performShutdown(unregister: unregister) }
    }

    /// The ID the master assigned, or `nil` while not registered.
    public nonisolated func registeredID() async -> AgentID? {
        await whenLocal { agent in agent.master == nil ? nil : agent.agentID } ?? nil
    }

    /// Suspends until the agent is registered with a master and returns its ID (at once when it is); `nil` when
    /// the agent shuts down first.
    public nonisolated func waitUntilRegistered() async -> AgentID? {
        await whenLocal { agent in await agent.registeredOrWait() } ?? nil
    }

    func registeredOrWait() async -> AgentID? {
        if master != nil, let agentID { return agentID }
        if shuttingDown { return nil }
        return await withCheckedContinuation { registrationWaiters.append($0) }
    }

    /// CPU and memory use of an executor: the sum over the containers of its tasks (a command task's executor is
    /// named after the task; a task group's tasks share the group's executor), live while they run.
    ///
    /// - Throws: ``AgentError/unknownExecutor(_:_:)`` when no running container belongs to the executor.
    public nonisolated func usage(frameworkID: FrameworkID, executorID: ExecutorID) async throws -> ResourceUsage {
        guard let result = try await whenLocal({ agent in try await agent.executorUsage(frameworkID, executorID) })
        else { throw AgentError.unknownExecutor(frameworkID, executorID) }
        return result
    }

    func executorUsage(_ frameworkID: FrameworkID, _ executorID: ExecutorID) async throws -> ResourceUsage {
        // A custom executor's tasks share its container: count each container once.
        let containers = Set(tasks.keys.compactMap { key -> ContainerID? in
            guard let task = tasks[key], key.frameworkID == frameworkID, task.executorID == executorID else { return nil }
            return task.containerID
        }).sorted()
        guard !containers.isEmpty else { throw AgentError.unknownExecutor(frameworkID, executorID) }
        var total = ResourceUsage(userCPUSeconds: 0, systemCPUSeconds: 0, residentBytes: 0, peakResidentBytes: nil,
                                  processes: 0, timestamp: clock.now())
        for container in containers {
            let usage = try await containerizer.usage(container)
            total.userCPUSeconds += usage.userCPUSeconds
            total.systemCPUSeconds += usage.systemCPUSeconds
            total.residentBytes += usage.residentBytes
            total.processes += usage.processes
            if let peak = usage.peakResidentBytes { total.peakResidentBytes = max(total.peakResidentBytes ?? 0, peak) }
        }
        return total
    }

    func performShutdown(unregister: Bool) async {
        shuttingDown = true
        registration?.cancel()
        for waiter in registrationWaiters { waiter.resume(returning: nil) }
        registrationWaiters.removeAll()
        for delivery in deliveries.values { delivery.cancel() }
        deliveries.removeAll()
        if let masterWatch { actorSystem.unwatch(masterWatch) }
        for key in tasks.keys.sorted() { requestKill(key, policy: nil) }
        for container in await containerizer.containers() {
            _ = try? await containerizer.kill(container, grace: configuration.killGracePeriod)
        }
        await containerizer.shutdown()
        if unregister, let master, let agentID {
            do { try await master.unregisterAgent(agentID) } catch {
                logger.warning("could not unregister from the master", ["error": String(describing: error)])
            }
        }
    }

    // MARK: AgentService: from the master

    public distributed func ping(_ agentID: AgentID) async throws -> AgentID {
        guard master != nil, self.agentID == agentID else { throw AgentError.notRegistered(self.agentID) }
        return agentID
    }

    public distributed func runTasks(_ request: RunTasksRequest) async throws {
        var refusal: AgentError?
        for task in request.tasks {
            do { try run(task, of: request.framework) } catch { refusal = refusal ?? error }
        }
        if let refusal { throw refusal }
    }

    /// Admits one task and starts it (on its custom executor, or with the command executor).
    private func run(_ task: TaskInfo, of framework: FrameworkInfo) throws(AgentError) {
        let key = try admit(framework, tasks: [task])[0]
        if let executor = task.executor, case .custom(let command) = executor.kind {
            tasks[key] = AgentTask(frameworkID: key.frameworkID, info: task, executorID: executor.executorID)
            launchOnCustomExecutor(.task(key), executor: executor, command: command)
            return
        }
        tasks[key] = AgentTask(frameworkID: key.frameworkID, info: task, executorID: ExecutorID(task.taskID.value))
        Task { await self.launchCommandTask(key) }
    }

    public distributed func runTaskGroup(_ request: RunTaskGroupRequest) async throws {
        let keys = try admit(request.framework, tasks: request.group.tasks)
        for (key, task) in zip(keys, request.group.tasks) {
            tasks[key] = AgentTask(frameworkID: key.frameworkID, info: task, executorID: request.executor.executorID)
        }
        if case .custom(let command) = request.executor.kind {
            launchOnCustomExecutor(.group(keys), executor: request.executor, command: command)
            return
        }
        groupExecutors.insert(ExecutorKey(frameworkID: keys[0].frameworkID, executorID: request.executor.executorID))
        Task { await self.launchGroup(keys, executor: request.executor) }
    }

    public distributed func killTask(_ request: KillRequest) async throws {
        let key = TaskKey(frameworkID: request.frameworkID, taskID: request.taskID)
        guard tasks[key] != nil else {
            reportUnknownTask(key)
            return
        }
        requestKill(key, policy: request.killPolicy)
    }

    public distributed func acknowledge(_ acknowledgements: [Acknowledgement]) async throws {
        var foreign = false
        for acknowledgement in acknowledgements {
            guard acknowledgement.agentID == agentID else {
                foreign = true
                continue
            }
            handleAcknowledgement(acknowledgement)
        }
        if foreign { throw AgentError.notRegistered(agentID) }
    }

    public distributed func sendFrameworkMessage(_ message: FrameworkMessage) async throws {
        let key = ExecutorKey(frameworkID: message.frameworkID, executorID: message.executorID)
        guard executors[key]?.phase == .registered else {
            logger.debug("dropping framework message: no registered custom executor takes it",
                         ["framework": message.frameworkID, "executor": message.executorID])
            return
        }
        let data = message.data
        callExecutor(key, "frameworkMessage") { try await $0.frameworkMessage(data) }
    }

    public distributed func updateFramework(_ framework: FrameworkInfo) async throws {
        guard let id = framework.id else { return }
        if frameworks[id] != nil { frameworks[id] = framework }
    }

    public distributed func shutdownFramework(_ frameworkID: FrameworkID) async throws {
        for key in executors.keys.sorted() where key.frameworkID == frameworkID { shutdownExecutor(key) }
        for key in tasks.keys.sorted() where key.frameworkID == frameworkID && customExecutor(of: key) == nil {
            requestKill(key, policy: nil)
        }
    }

    public distributed func applyOperation(_ operation: KeelProtocol.Operation, frameworkID: FrameworkID) async throws {
        logger.info("operation applied by the master", ["operation": String(describing: operation), "framework": frameworkID])
    }

    // MARK: AgentService: from executors

    public distributed func registerExecutor(_ request: RegisterExecutorRequest) async throws -> ExecutorRegistered {
        try acceptRegistration(request)
    }

    public distributed func executorStatusUpdate(_ update: StatusUpdate) async throws {
        var update = update
        let key = TaskKey(frameworkID: update.frameworkID, taskID: update.status.taskID)
        guard let task = tasks[key] else { throw AgentError.unknownFramework(update.frameworkID) }
        // Only a custom executor reports updates, and only for its own tasks.
        guard customExecutor(of: key) != nil,
              update.status.executorID == nil || update.status.executorID == task.executorID else {
            throw AgentError.unknownExecutor(update.frameworkID, update.status.executorID ?? task.executorID)
        }
        update.status.executorID = task.executorID
        update.status.source = .executor
        if update.status.uuid == nil { update.status.uuid = .random(using: &random) }
        update.status.agentID = agentID
        record(update)
    }

    public distributed func sendExecutorMessage(_ message: FrameworkMessage) async throws {
        guard let master else { return }
        callingTask { try? await master.sendExecutorMessage(message) }
    }

    // MARK: Admission

    /// Checks that the agent can take the tasks and returns their keys; throws before changing any state.
    func admit(_ framework: FrameworkInfo, tasks: [TaskInfo]) throws(AgentError) -> [TaskKey] {
        if shuttingDown { throw .shuttingDown }
        // Not `master != nil`: a master may call right after admitting us, before its answer reached us; updates
        // wait in the status update manager until the registration completes.
        guard let agentID, tasks.allSatisfy({ $0.agentID == agentID }) else { throw .notRegistered(agentID) }
        guard let frameworkID = framework.id else { throw .unknownFramework(FrameworkID("")) }
        var keys: [TaskKey] = []
        for taskID in tasks.map(\.taskID) {
            let key = TaskKey(frameworkID: frameworkID, taskID: taskID)
            if self.tasks[key] != nil || keys.contains(key) { throw .taskAlreadyKnown(frameworkID, taskID) }
            keys.append(key)
        }
        frameworks[frameworkID] = framework
        return keys
    }
}
