import Distributed
import KeelActors
import KeelAllocator
import KeelCore
import KeelLog
import KeelProtocol

/// The Keel master (Mesos' master): admits agents, subscribes frameworks, turns the allocator's decisions into
/// offers, validates accepts with ``LaunchValidator``, launches tasks on agents, keeps the canonical task states and
/// relays status updates and acknowledgements. Host it under the well-known name `master`:
///
/// ```swift
/// let master = try system.makeActor(named: "master") { MasterActor(actorSystem: system) }
/// await master.whenLocal { $0.startTimers() }
/// ```
///
/// Bookkeeping lives in ``MasterState`` and the allocator; this actor adds the calls to agents and schedulers,
/// each peer served in order through its own queue. Time comes from ``MasterConfiguration/clock``: timers run in
/// ``tick()``, called by ``startTimers()`` in production and by tests after advancing a manual clock.
public distributed actor MasterActor: MasterService, OperatorService {
    public typealias ActorSystem = KeelActorSystem

    /// The configuration the master was started with.
    public let configuration: MasterConfiguration
    /// Agents, frameworks, offers and tasks.
    public internal(set) var state: MasterState
    var allocator: any Allocator
    var outboxes: [ActorID: Outbox] = [:]
    var watches: [ActorID: WatchToken] = [:]
    var lastAllocation: ClockInstant
    var lastHeartbeat: ClockInstant
    var observers: [AsyncStream<MasterEvent>.Continuation] = []
    var timer: Task<Void, Never>?
    let logger: Logger
    /// Writes what survives a restart to ``MasterConfiguration/stateStore``.
    let registrar: Registrar
    /// The registrar's recovery, started by the first call that needs it (see ``recoverRegistry()``).
    var registryRecovery: Task<Result<Registry, RegistrarError>, Never>?
    /// Whether the recovered registry has been applied to ``state``.
    var registryRestored = false
    /// Agents the registrar remembers as admitted that have not re-registered since the restart.
    var recoveringAgents: [AgentID: RegisteredAgent] = [:]
    /// When agents in ``recoveringAgents`` that did not re-register are marked unreachable.
    var reregistrationDeadline: ClockInstant?
    /// When active agents are next due for a ping or their ping timeout (see ``checkAgents(now:)``).
    var agentChecks = AgentCheckSchedule()
    /// The wall-clock time before which no unreachable agent can reach ``MasterConfiguration/unreachableAgentMaxAge``
    /// (see ``expireUnreachableAgents()``); `nil` when an agent became unreachable since the last look.
    var unreachableExpiryDue: Double?
    /// An event-triggered allocation is queued on the master's executor (see ``allocateIfPending()``).
    var allocationQueued = false
    /// Allocation cycles run so far, periodic and event-triggered (Mesos' `allocator/mesos/allocation_runs`).
    public internal(set) var allocationRuns = 0

    /// The master runs on its node's event loop (``LoopSerialExecutor``): requests and the replies to its own calls
    /// resume it on the thread that read them, without waking a pool thread per message. It never blocks, and its
    /// heaviest work (an allocation cycle: ~10 ms at 10,000 agents) is short next to the heartbeat timeout.
    public nonisolated var unownedExecutor: UnownedSerialExecutor {
        actorSystem.loop.serialExecutor.asUnownedSerialExecutor()
    }

    /// A master on `actorSystem` configured by `configuration`.
    public init(actorSystem: KeelActorSystem, configuration: MasterConfiguration = MasterConfiguration(),
                logger: Logger = Logger(label: "keel.master")) {
        self.actorSystem = actorSystem
        self.configuration = configuration
        self.state = MasterState(idPrefix: String(actorSystem.incarnation, radix: 16),
                                 completedTaskCapacity: configuration.completedTaskCapacity)
        self.allocator = configuration.makeAllocator()
        self.lastAllocation = configuration.clock.now()
        self.lastHeartbeat = configuration.clock.now()
        self.logger = logger
        self.registrar = Registrar(store: configuration.stateStore,
                                   compactionThreshold: configuration.registrarCompactionThreshold)
    }

    deinit {
        timer?.cancel()
        for observer in observers { observer.finish() }
    }

    // MARK: Timers

    /// Runs ``tick()`` every ``MasterConfiguration/tickInterval`` until ``stopTimers()``.
    public func startTimers() {
        guard timer == nil else { return }
        let interval = configuration.tickInterval
        timer = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                guard let master = self else { return }
                await master.whenLocal { await $0.tick() }
            }
        }
    }

    /// Stops the production timer.
    public func stopTimers() {
        timer?.cancel()
        timer = nil
    }

    /// Does whatever is due at the clock's current time: pings agents and marks silent ones unreachable, rescinds
    /// timed-out offers, removes frameworks whose failover timeout expired, sends heartbeats to schedulers, and runs
    /// the periodic allocation.
    public func tick() async {
        do { try await recoverRegistry() } catch {
            logger.error("master is not serving", ["error": error.description])
            return
        }
        let now = configuration.clock.now()
        await expireReregistrationWindow(now: now)
        await checkAgents(now: now)
        await expireUnreachableAgents()
        expireOffers(now: now)
        expireFrameworks(now: now)
        if now >= lastHeartbeat.advanced(by: configuration.heartbeatInterval) {
            lastHeartbeat = now
            for id in state.frameworks.keys.sorted() { toScheduler(id, "heartbeat") { try await $0.heartbeat() } }
        }
        if now >= lastAllocation.advanced(by: configuration.allocationInterval) {
            lastAllocation = now
            allocationRuns += 1
            dispatch(allocator.allocate())
        } else {
            allocateIfPending()
        }
    }

    /// Cross-checks the allocator's bookkeeping (empty when consistent); for tests.
    public func allocatorInvariantViolations() -> [String] { allocator.invariantViolations() }

    /// The allocator's view, for tests and state endpoints.
    public func allocatorSnapshot() -> AllocatorSnapshot { allocator.snapshot() }

    // MARK: Calls to peers

    /// Queues a call to a peer; it runs after the earlier calls to the same peer. When the call fails because the
    /// peer is unreachable (dead letter, closed or failed connection, timeout), `onLinkFailure` runs on the master.
    func send<Stub: Sendable>(to actor: ActorID, as make: (ActorID, KeelActorSystem) throws -> Stub, _ what: String,
                              onLinkFailure: (@Sendable (isolated MasterActor) -> Void)? = nil,
                              _ call: @escaping @Sendable (Stub) async throws -> Void) {
        guard let (stub, outbox) = peer(actor, as: make, what) else { return }
        let failed = failureHandler(actor, what, onLinkFailure)
        outbox.enqueue {
            do { try await call(stub) } catch { await failed(error) }
        }
    }

    /// Queues `item` for a peer call that takes a list: items queued while earlier calls to the peer are in flight
    /// travel together in one call (see ``Outbox/enqueue(batching:_:_:)``), in order.
    func send<Stub: Sendable, Item: Sendable>(batching item: Item, to actor: ActorID,
                                              as make: (ActorID, KeelActorSystem) throws -> Stub, _ what: String,
                                              onLinkFailure: (@Sendable (isolated MasterActor) -> Void)? = nil,
                                              _ call: @escaping @Sendable (Stub, [Item]) async throws -> Void) {
        guard let (stub, outbox) = peer(actor, as: make, what) else { return }
        let failed = failureHandler(actor, what, onLinkFailure)
        outbox.enqueue(batching: what, item) { items in
            do { try await call(stub, items) } catch { await failed(error) }
        }
    }

    /// The stub and the outbox of a peer, or `nil` (logged) when its ID cannot be resolved.
    private func peer<Stub: Sendable>(_ actor: ActorID, as make: (ActorID, KeelActorSystem) throws -> Stub,
                                      _ what: String) -> (Stub, Outbox)? {
        let stub: Stub
        do { stub = try make(actor, actorSystem) } catch {
            logger.warning("cannot resolve peer", ["peer": actor, "call": what, "error": String(describing: error)])
            return nil
        }
        let outbox = outboxes[actor] ?? Outbox(executor: actorSystem.loop)
        outboxes[actor] = outbox
        return (stub, outbox)
    }

    /// Logs a failed peer call and, when the peer could not be reached, runs `onLinkFailure` on the master.
    private func failureHandler(_ actor: ActorID, _ what: String,
                                _ onLinkFailure: (@Sendable (isolated MasterActor) -> Void)?) -> @Sendable (any Error) async -> Void {
        let logger = logger
        return { [weak self] error in
            logger.info("call to peer failed", ["peer": actor, "call": what, "error": String(describing: error)])
            guard let onLinkFailure, let master = self, Self.isLinkFailure(error) else { return }
            await master.whenLocal { onLinkFailure($0) }
        }
    }

    /// Whether `error` says the peer could not be reached, as opposed to the peer refusing the call.
    static func isLinkFailure(_ error: any Error) -> Bool {
        guard let error = error as? ActorSystemError else { return false }
        switch error {
        case .deadLetter, .timeout, .connectionClosed, .connectionFailed, .handshakeFailed: return true
        default: return false
        }
    }

    /// Queues a call to a framework's scheduler (dropped while it is disconnected). A scheduler that cannot be
    /// reached is marked disconnected, as the runtime's watch would.
    func toScheduler(_ frameworkID: FrameworkID, _ what: String,
                     _ call: @escaping @Sendable ($SchedulerService) async throws -> Void) {
        guard let framework = state.frameworks[frameworkID], framework.connected else { return }
        let scheduler = framework.scheduler
        send(to: scheduler, as: { try $SchedulerService.resolve(id: $0, using: $1) }, what,
             onLinkFailure: { master in master.schedulerLost(frameworkID, scheduler: scheduler) }, call)
    }

    /// Queues `item` for a list-taking call to a framework's scheduler (dropped while it is disconnected), batched
    /// with the items queued right before it.
    func toScheduler<Item: Sendable>(_ frameworkID: FrameworkID, batching item: Item, _ what: String,
                                     _ call: @escaping @Sendable ($SchedulerService, [Item]) async throws -> Void) {
        guard let framework = state.frameworks[frameworkID], framework.connected else { return }
        let scheduler = framework.scheduler
        send(batching: item, to: scheduler, as: { try $SchedulerService.resolve(id: $0, using: $1) }, what,
             onLinkFailure: { master in master.schedulerLost(frameworkID, scheduler: scheduler) }, call)
    }

    /// Queues a call to an agent (dropped unless it is active).
    func toAgent(_ agentID: AgentID, _ what: String, _ call: @escaping @Sendable ($AgentService) async throws -> Void) {
        guard let agent = state.agents[agentID], agent.state == .active else { return }
        send(to: agent.actor, as: { try $AgentService.resolve(id: $0, using: $1) }, what, call)
    }

    /// Queues `item` for a list-taking call to an agent (dropped unless it is active), batched with the items queued
    /// right before it.
    func toAgent<Item: Sendable>(_ agentID: AgentID, batching item: Item, _ what: String,
                                 _ call: @escaping @Sendable ($AgentService, [Item]) async throws -> Void) {
        guard let agent = state.agents[agentID], agent.state == .active else { return }
        send(batching: item, to: agent.actor, as: { try $AgentService.resolve(id: $0, using: $1) }, what, call)
    }

    /// Forgets the queue and watch of a peer actor that was replaced or removed.
    func forget(_ actor: ActorID) {
        outboxes.removeValue(forKey: actor)?.close()
        if let token = watches.removeValue(forKey: actor) { actorSystem.unwatch(token) }
    }

    /// Watches a peer actor; `handler` runs on the master when the actor or its node goes away.
    func watch(_ actor: ActorID, _ handler: @escaping @Sendable (isolated MasterActor) async -> Void) {
        guard watches[actor] == nil else { return }
        watches[actor] = actorSystem.watch(actor) { [weak self] _ in
            guard let master = self else { return }
            Task { await master.whenLocal { await handler($0) } }
        }
    }

    /// A status produced by the master.
    func masterStatus(_ taskID: TaskID, _ state: TaskState, reason: TaskReason?, message: String?,
                      agentID: AgentID?, executorID: ExecutorID? = nil) -> TaskStatus {
        TaskStatus(taskID: taskID, state: state, reason: reason, message: message, source: .master, agentID: agentID,
                   executorID: executorID, timestamp: configuration.wallClock())
    }

    /// Sends a status to the task's framework, mapped by its partition-awareness.
    func report(_ status: TaskStatus, to frameworkID: FrameworkID) {
        var delivered = status
        delivered.state = status.state.reported(toPartitionAware: state.isPartitionAware(frameworkID))
        let sent = delivered
        toScheduler(frameworkID, batching: sent, "updates") { try await $0.updates($1) }
    }

    /// Returns resources to the allocator, logging (never crashing on) bookkeeping mismatches.
    func recover(_ resources: Resources, framework: FrameworkID, agent: AgentID, role: Role, filter: RefuseFilter?) {
        guard !resources.isEmpty else { return }
        do {
            try allocator.recoverResources(framework: framework, agent: agent, role: role, resources: resources,
                                           filter: filter)
        } catch {
            logger.error("recovering resources failed", ["framework": framework, "agent": agent,
                                                          "resources": resources, "error": error.description])
        }
    }

    /// The framework a request comes from, which must be subscribed and connected.
    func subscribed(_ frameworkID: FrameworkID) throws(MasterError) -> FrameworkRecord {
        if state.removedFrameworks.contains(frameworkID) { throw .frameworkRemoved(frameworkID) }
        guard let framework = state.frameworks[frameworkID], framework.connected else {
            throw .frameworkNotSubscribed(frameworkID)
        }
        return framework
    }
}
