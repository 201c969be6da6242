import Distributed
import Foundation
import KeelActors
import KeelCore
import KeelLog
import KeelProtocol

/// The executor side of the cluster protocol: registers an ``Executor`` with the agent that launched it, passes
/// the agent's calls to it in order, and sends its status updates (each with a fresh uuid, re-sent until the agent
/// has recorded it — the agent then owns delivery to the framework).
///
/// ```swift
/// let configuration = try ExecutorDriverConfiguration.fromEnvironment()
/// let system = try configuration.makeActorSystem()
/// let driver = ExecutorDriver(executor: MyExecutor(), configuration: configuration, actorSystem: system)
/// _ = try await driver.start()
/// await driver.waitUntilStopped()
/// ```
///
/// The driver stops after ``Executor/shutdown(_:)`` returns — on the agent's request, or when the agent's actor
/// or node goes away (an agent that restarts does not recover executors).
public actor ExecutorDriver {
    private let executor: any Executor
    private let configuration: ExecutorDriverConfiguration
    private let actorSystem: KeelActorSystem
    private let logger: Logger
    private let agent: $AgentService
    private var endpoint: ExecutorEndpoint?
    private var registration: ExecutorRegistered?
    private var agentWatch: WatchToken?
    private var stopped = false
    private var shuttingDown = false
    private var readyWaiters: [CheckedContinuation<Bool, Never>] = []
    private var stopWaiters: [CheckedContinuation<Void, Never>] = []

    /// A driver for `executor`. Throws when the agent's actor ID cannot be resolved on `actorSystem`.
    public init(executor: any Executor, configuration: ExecutorDriverConfiguration, actorSystem: KeelActorSystem,
                logger: Logger = Logger(label: "keel.executor")) throws {
        self.executor = executor
        self.configuration = configuration
        self.actorSystem = actorSystem
        self.logger = logger.with("executor", configuration.executorID.value)
        self.agent = try $AgentService.resolve(id: configuration.agent, using: actorSystem)
        KeelProtocol.registerWireTypes(on: actorSystem)
        actorSystem.registerErrorType(ExecutorDriverError.self)
    }

    /// What the agent answered, once registered.
    public var registered: ExecutorRegistered? { registration }

    /// Registers with the agent (retrying while it cannot be reached, up to
    /// ``ExecutorDriverConfiguration/registrationDeadline``), then calls ``Executor/registered(_:_:)``.
    ///
    /// - Throws: the agent's ``AgentError`` refusal, or ``ExecutorDriverError/registrationFailed(_:)``.
    public func start() async throws -> ExecutorRegistered {
        if let registration { return registration }
        if stopped { throw ExecutorDriverError.stopped }
        let endpoint = ExecutorEndpoint(driver: self, actorSystem: actorSystem)
        self.endpoint = endpoint
        let request = RegisterExecutorRequest(frameworkID: configuration.frameworkID, executorID: configuration.executorID,
                                              actor: endpoint.id)
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: configuration.registrationDeadline)
        var delay = configuration.retryInitial
        var answer: ExecutorRegistered?
        while answer == nil {
            do {
                answer = try await agent.registerExecutor(request)
            } catch let error as ActorSystemError {
                guard clock.now < deadline, !stopped else {
                    throw ExecutorDriverError.registrationFailed(String(describing: error))
                }
                logger.info("agent not reachable yet; retrying registration", ["error": String(describing: error)])
                try await Task.sleep(for: delay)
                delay = min(delay * 2, configuration.retryMax)
            }
        }
        guard let answer else { throw ExecutorDriverError.registrationFailed("no answer") }
        let agentID = configuration.agent
        agentWatch = actorSystem.watch(agentID) { [weak self] _ in
            guard let self else { return }
            Task { await self.agentLost() }
        }
        await executor.registered(self, answer)
        registration = answer
        releaseReadyWaiters(registered: true)
        logger.info("registered with the agent", ["agent": answer.agentID])
        return answer
    }

    /// Suspends until the driver has stopped.
    public func waitUntilStopped() async {
        if stopped { return }
        await withCheckedContinuation { stopWaiters.append($0) }
    }

    /// Stops the driver: calls from the agent are refused from now on.
    public func stop() {
        guard !stopped else { return }
        stopped = true
        if let agentWatch { actorSystem.unwatch(agentWatch) }
        releaseReadyWaiters(registered: false)
        for waiter in stopWaiters { waiter.resume() }
        stopWaiters.removeAll()
    }

    // MARK: Calls to the agent

    /// Sends a task status: the driver sets the uuid, source, executor and timestamp (unless given), and re-sends
    /// it until the agent has recorded it.
    ///
    /// - Throws: the agent's ``AgentError`` (e.g. an unknown task), or ``ExecutorDriverError/stopped``.
    public func sendStatusUpdate(_ status: TaskStatus) async throws {
        guard registration != nil else { throw ExecutorDriverError.notRegistered }
        var status = status
        status.source = .executor
        status.executorID = configuration.executorID
        if status.uuid == nil {
            var random = SystemRandomNumberGenerator()
            status.uuid = .random(using: &random)
        }
        if status.timestamp == 0 { status.timestamp = Self.unixNow() }
        let update = StatusUpdate(frameworkID: configuration.frameworkID, status: status)
        var delay = configuration.retryInitial
        while true {
            if stopped { throw ExecutorDriverError.stopped }
            do {
                try await agent.executorStatusUpdate(update)
                return
            } catch let error as ActorSystemError {
                logger.info("status update not recorded by the agent; retrying",
                            ["task": status.taskID, "error": String(describing: error)])
                try await Task.sleep(for: delay)
                delay = min(delay * 2, configuration.retryMax)
            }
        }
    }

    /// Sends bytes to the framework, best effort.
    public func sendFrameworkMessage(_ data: [UInt8]) async throws {
        guard let registration else { throw ExecutorDriverError.notRegistered }
        try await agent.sendExecutorMessage(FrameworkMessage(frameworkID: configuration.frameworkID,
                                                             agentID: registration.agentID,
                                                             executorID: configuration.executorID, data: data))
    }

    // MARK: Calls from the agent (through the endpoint)

    /// Waits until the registration completed; `false` when the driver stopped instead.
    private func ready() async -> Bool {
        if stopped { return false }
        if registration != nil { return true }
        return await withCheckedContinuation { readyWaiters.append($0) }
    }

    private func releaseReadyWaiters(registered: Bool) {
        let waiters = readyWaiters
        readyWaiters.removeAll()
        for waiter in waiters { waiter.resume(returning: registered) }
    }

    func handle(_ event: ExecutorEvent) async throws {
        guard await ready() else { throw ExecutorDriverError.stopped }
        switch event {
        case .launch(let task): await executor.launchTask(self, task: task)
        case .launchGroup(let group): await executor.launchTaskGroup(self, group: group)
        case .kill(let taskID, let policy): await executor.killTask(self, taskID: taskID, killPolicy: policy)
        case .acknowledged(let taskID, let uuid): await executor.acknowledged(self, taskID: taskID, uuid: uuid)
        case .message(let data): await executor.frameworkMessage(self, data: data)
        case .shutdown: await shutDown()
        }
    }

    private func shutDown() async {
        guard !shuttingDown, !stopped else { return }
        shuttingDown = true
        await executor.shutdown(self)
        stop()
    }

    private func agentLost() async {
        guard !stopped else { return }
        logger.warning("the agent went away; shutting down")
        await shutDown()
    }

    static func unixNow() -> Double { Date().timeIntervalSince1970 }
}

/// A call from the agent, queued to the executor.
enum ExecutorEvent: Sendable {
    case launch(TaskInfo)
    case launchGroup(TaskGroupInfo)
    case kill(TaskID, KillPolicy?)
    case acknowledged(TaskID, StatusUpdateID)
    case message([UInt8])
    case shutdown
}

/// The executor's network face: the ``ExecutorService`` actor the agent calls. It holds the driver weakly, so an
/// executor that dropped its driver answers with ``ExecutorDriverError/stopped``.
distributed actor ExecutorEndpoint: ExecutorService {
    typealias ActorSystem = KeelActorSystem
    private weak var driver: ExecutorDriver?

    init(driver: ExecutorDriver, actorSystem: KeelActorSystem) {
        self.actorSystem = actorSystem
        self.driver = driver
    }

    private func forward(_ event: ExecutorEvent) async throws {
        guard let driver else { throw ExecutorDriverError.stopped }
        try await driver.handle(event)
    }

    distributed func launchTask(_ task: TaskInfo) async throws { try await forward(.launch(task)) }
    distributed func launchTaskGroup(_ group: TaskGroupInfo) async throws { try await forward(.launchGroup(group)) }
    distributed func killTask(_ taskID: TaskID, killPolicy: KillPolicy?) async throws {
        try await forward(.kill(taskID, killPolicy))
    }
    distributed func acknowledged(_ taskID: TaskID, uuid: StatusUpdateID) async throws {
        try await forward(.acknowledged(taskID, uuid))
    }
    distributed func frameworkMessage(_ data: [UInt8]) async throws { try await forward(.message(data)) }
    distributed func shutdown() async throws { try await forward(.shutdown) }
}
