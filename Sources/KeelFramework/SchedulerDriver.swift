import Distributed
import KeelActors
import KeelCore
import KeelLog
import KeelProtocol

/// Settings of a ``SchedulerDriver``.
public struct SchedulerDriverConfiguration: Sendable {
    /// Where the master listens (its well-known actor is `master`).
    public var master: Endpoint
    /// First delay before retrying a failed (re-)subscription; doubles per failure. Default 100 ms.
    public var subscribeBackoffInitial: Duration = .milliseconds(100)
    /// Longest delay between (re-)subscription attempts. Default 10 s.
    public var subscribeBackoffMax: Duration = .seconds(10)

    /// Settings for a master at `master`.
    public init(master: Endpoint) { self.master = master }
}

/// Errors of the driver itself (the master's refusals arrive as ``MasterError``).
public enum SchedulerDriverError: Error, Sendable, Codable, Equatable, CustomStringConvertible {
    /// A call needs a framework ID, and the driver has not subscribed yet.
    case notSubscribed
    /// The driver was stopped.
    case stopped

    public var description: String {
        switch self {
        case .notSubscribed: "the framework has not subscribed to a master yet"
        case .stopped: "the scheduler driver was stopped"
        }
    }
}

/// The framework side of the cluster protocol: subscribes the framework to the master, delivers
/// offers and updates to a ``Scheduler``, acknowledges updates once the scheduler has handled them,
/// re-subscribes (keeping the framework ID, so tasks survive) whenever the master goes away, and
/// exposes the framework's calls — accept, launch, decline, kill, reconcile, suppress, revive.
///
/// The driver is a local actor; the master talks to its ``SchedulerEndpoint``, a distributed actor
/// the driver creates, so only the `SchedulerService` calls are reachable over the network.
public actor SchedulerDriver {
    private let actorSystem: KeelActorSystem
    private var endpoint: SchedulerEndpoint?
    private var framework: FrameworkInfo
    private let scheduler: any Scheduler
    private let configuration: SchedulerDriverConfiguration
    private let logger: Logger
    private var master: $MasterService?
    private var stopped = false
    private var subscription: Task<Void, Never>?
    private var subscribedWaiters: [CheckedContinuation<FrameworkID, Error>] = []
    /// Master callbacks that arrived before the subscription's answer (the master may send offers
    /// right after subscribing): they wait here so the scheduler never sees an offer it cannot use.
    private var readyWaiters: [CheckedContinuation<Void, Never>] = []

    /// Creates a driver for `framework` (set `framework.id` to fail over an existing framework).
    public init(framework: FrameworkInfo, scheduler: any Scheduler, configuration: SchedulerDriverConfiguration,
                actorSystem: KeelActorSystem, logger: Logger = Logger(label: "keel.framework")) {
        self.actorSystem = actorSystem
        self.framework = framework
        self.scheduler = scheduler
        self.configuration = configuration
        self.logger = logger.with("framework", framework.name)
        KeelProtocol.registerWireTypes(on: actorSystem)
        actorSystem.registerErrorType(SchedulerDriverError.self)
    }

    /// The framework ID once subscribed.
    public var frameworkID: FrameworkID? { framework.id }

    /// Subscribes (retrying with backoff until the master answers) and keeps the subscription
    /// alive; returns the framework ID of the first successful subscription.
    public func start() async throws -> FrameworkID {
        if stopped { throw SchedulerDriverError.stopped }
        if let id = framework.id, master != nil { return id }
        if subscription == nil {
            endpoint = SchedulerEndpoint(driver: self, actorSystem: actorSystem)
            subscription = Task { await self.subscribeLoop() }
        }
        return try await withCheckedThrowingContinuation { subscribedWaiters.append($0) }
    }

    /// Stops the driver. With `failover: false` the framework is torn down at the master (its
    /// tasks are killed); with `true` the master keeps them for the framework's failover timeout.
    public func stop(failover: Bool = false) async {
        guard !stopped else { return }
        stopped = true
        subscription?.cancel()
        if !failover, let id = framework.id, let master {
            try? await master.teardown(id)
        }
        for waiter in subscribedWaiters { waiter.resume(throwing: SchedulerDriverError.stopped) }
        subscribedWaiters.removeAll()
        releaseReadyWaiters()
    }

    private func untilSubscribed() async {
        if master != nil || stopped { return }
        await withCheckedContinuation { readyWaiters.append($0) }
    }

    private func releaseReadyWaiters() {
        let waiters = readyWaiters
        readyWaiters.removeAll()
        for waiter in waiters { waiter.resume() }
    }

    // MARK: Calls to the master

    /// Accepts offers with operations (launch, launch group, reserve, unreserve).
    public func accept(_ offerIDs: [OfferID], operations: [Operation], filters: Filters = Filters()) async throws {
        let (master, id) = try connected()
        try await master.accept(AcceptRequest(frameworkID: id, offerIDs: offerIDs, operations: operations, filters: filters))
    }

    /// Launches `tasks` on the resources of `offerIDs`.
    public func launch(_ tasks: [TaskInfo], on offerIDs: [OfferID], filters: Filters = Filters()) async throws {
        try await accept(offerIDs, operations: [.launch(tasks)], filters: filters)
    }

    /// Declines offers; `filters` says for how long their agents should not be offered again.
    public func decline(_ offerIDs: [OfferID], filters: Filters = Filters()) async throws {
        let (master, id) = try connected()
        try await master.decline(DeclineRequest(frameworkID: id, offerIDs: offerIDs, filters: filters))
    }

    /// Kills a task.
    public func kill(_ taskID: TaskID, agentID: AgentID? = nil) async throws {
        let (master, id) = try connected()
        try await master.kill(KillRequest(frameworkID: id, taskID: taskID, agentID: agentID))
    }

    /// Asks for the latest state of `tasks` (all tasks when empty); answers arrive as updates.
    public func reconcile(_ tasks: [ReconcileRequest.Task] = []) async throws {
        let (master, id) = try connected()
        try await master.reconcile(ReconcileRequest(frameworkID: id, tasks: tasks))
    }

    /// Stops offers for `roles` (all of the framework's roles when empty).
    public func suppress(roles: [Role] = []) async throws {
        let (master, id) = try connected()
        try await master.suppress(id, roles: roles)
    }

    /// Resumes offers for `roles` and clears their filters.
    public func revive(roles: [Role] = []) async throws {
        let (master, id) = try connected()
        try await master.revive(id, roles: roles)
    }

    /// Sends bytes to the framework's executor `executorID` on `agentID`, best effort (delivered only to a
    /// registered custom executor; answers arrive through ``Scheduler/frameworkMessage(_:message:)``).
    public func sendMessage(_ data: [UInt8], to executorID: ExecutorID, on agentID: AgentID) async throws {
        let (master, id) = try connected()
        try await master.sendFrameworkMessage(FrameworkMessage(frameworkID: id, agentID: agentID, executorID: executorID,
                                                               data: data))
    }

    private func connected() throws -> ($MasterService, FrameworkID) {
        if stopped { throw SchedulerDriverError.stopped }
        guard let master, let id = framework.id else { throw SchedulerDriverError.notSubscribed }
        return (master, id)
    }

    // MARK: Subscription

    private func subscribeLoop() async {
        var delay = configuration.subscribeBackoffInitial
        while !stopped && !Task.isCancelled {
            do {
                let master = try await actorSystem.resolve($MasterService.self, named: "master", at: configuration.master)
                guard let endpoint else { return }
                let subscribed = try await master.subscribe(SubscribeRequest(framework: framework, scheduler: endpoint.id))
                framework.id = subscribed.frameworkID
                self.master = master
                delay = configuration.subscribeBackoffInitial
                logger.info("subscribed", ["frameworkID": subscribed.frameworkID, "master": master.id])
                for waiter in subscribedWaiters { waiter.resume(returning: subscribed.frameworkID) }
                subscribedWaiters.removeAll()
                releaseReadyWaiters()
                await scheduler.registered(self, frameworkID: subscribed.frameworkID)
                // Stay subscribed until the master goes away, then subscribe again with our ID.
                let termination = await actorSystem.termination(of: master.id)
                self.master = nil
                if stopped || Task.isCancelled { return }
                logger.warning("lost the master; re-subscribing", ["reason": termination?.reason.description ?? "cancelled"])
            } catch {
                logger.debug("subscription failed; retrying", ["error": "\(error)", "in": delay])
                try? await Task.sleep(for: delay)
                delay = min(configuration.subscribeBackoffMax, delay * 2)
            }
        }
    }

    // MARK: From the master (through the endpoint)

    func offers(_ offers: [Offer]) async {
        await untilSubscribed()
        await scheduler.resourceOffers(self, offers: offers)
    }

    func rescind(_ offerID: OfferID) async {
        await untilSubscribed()
        await scheduler.offerRescinded(self, offerID: offerID)
    }

    func updates(_ statuses: [TaskStatus]) async throws {
        await untilSubscribed()
        var acknowledgements: [Acknowledgement] = []
        for status in statuses {
            await scheduler.statusUpdate(self, status: status)
            if let uuid = status.uuid, let agentID = status.agentID, let id = framework.id {
                acknowledgements.append(Acknowledgement(frameworkID: id, agentID: agentID, taskID: status.taskID, uuid: uuid))
            }
        }
        // Acknowledged only after the scheduler handled them (until then the agents keep retrying), in one call.
        if !acknowledgements.isEmpty, let master { try await master.acknowledge(acknowledgements) }
    }

    func message(_ message: FrameworkMessage) async {
        await scheduler.frameworkMessage(self, message: message)
    }

    func failure(agentID: AgentID, executorID: ExecutorID?, status: ProcessExit?) async {
        await scheduler.failure(self, agentID: agentID, executorID: executorID, status: status)
    }

    func error(_ message: String) async {
        await scheduler.error(self, message: message)
    }
}

/// The distributed face of a ``SchedulerDriver``: what the master calls. It forwards to its driver
/// and holds it weakly, so a dropped driver simply stops answering (calls then fail as dead letters
/// once the endpoint is released too).
public distributed actor SchedulerEndpoint: SchedulerService {
    public typealias ActorSystem = KeelActorSystem
    private weak var driver: SchedulerDriver?

    init(driver: SchedulerDriver, actorSystem: KeelActorSystem) {
        self.actorSystem = actorSystem
        self.driver = driver
    }

    public distributed func offers(_ offers: [Offer]) async throws { await driver?.offers(offers) }
    public distributed func rescind(_ offerID: OfferID) async throws { await driver?.rescind(offerID) }
    public distributed func updates(_ statuses: [TaskStatus]) async throws { try await driver?.updates(statuses) }
    public distributed func message(_ message: FrameworkMessage) async throws { await driver?.message(message) }
    public distributed func failure(agentID: AgentID, executorID: ExecutorID?, status: ProcessExit?) async throws {
        await driver?.failure(agentID: agentID, executorID: executorID, status: status)
    }
    public distributed func error(_ message: String) async throws { await driver?.error(message) }
    public distributed func heartbeat() async throws {}
}
