import Distributed
import KeelActors
import KeelAllocator
import KeelCore
import KeelProtocol

extension MasterActor {
    // MARK: Making offers

    /// Queues the event-triggered allocation when an event since the last cycle makes one worthwhile.
    ///
    /// It runs as a job of its own on the master's executor, after the jobs already queued there: the events that
    /// arrive together (a burst of subscriptions or revives after a failover, a batch of status updates) share one
    /// cycle, as Mesos' allocator batches the events it has queued. Each subscription used to run a cycle over every
    /// agent at once: 200 frameworks subscribing to a master of 50,000 agents ran ~200 such cycles, now ~5. The periodic
    /// cycle in ``tick()`` takes whatever is pending in passing, and the queued job then finds nothing to do.
    func allocateIfPending() {
        guard allocator.hasPendingAllocation, !allocationQueued else { return }
        allocationQueued = true
        Task { self.runQueuedAllocation() }
    }

    /// The job ``allocateIfPending()`` queued.
    func runQueuedAllocation() {
        allocationQueued = false
        guard allocator.hasPendingAllocation else { return }
        allocationRuns += 1
        dispatch(allocator.allocatePending())
    }

    /// Wraps the allocator's decisions in offers with fresh IDs and sends them, one call per framework.
    func dispatch(_ decisions: [KeelAllocator.Offer]) {
        guard !decisions.isEmpty else { return }
        let now = configuration.clock.now()
        var byFramework: [FrameworkID: [KeelProtocol.Offer]] = [:]
        for decision in decisions {
            guard let agent = state.agents[decision.agentID], agent.state == .active,
                  let framework = state.frameworks[decision.frameworkID], framework.connected else {
                // Cannot be delivered: give it straight back (the allocator should not have made it).
                recover(decision.resources, framework: decision.frameworkID, agent: decision.agentID,
                        role: decision.role, filter: nil)
                continue
            }
            let offer = KeelProtocol.Offer(
                id: state.newOfferID(), frameworkID: decision.frameworkID, agentID: decision.agentID,
                hostname: agent.info.hostname, allocationRole: decision.role, resources: decision.resources,
                attributes: agent.info.attributes,
                executorIDs: Array((agent.executors[decision.frameworkID] ?? [:]).keys).sorted())
            state.addOffer(offer, at: now)
            byFramework[decision.frameworkID, default: []].append(offer)
        }
        for (frameworkID, offers) in byFramework.sorted(by: { $0.key < $1.key }) {
            toScheduler(frameworkID, "offers") { try await $0.offers(offers) }
        }
    }

    /// Withdraws an outstanding offer: its resources return to the allocator unfiltered and, when `notify`, the
    /// framework is told.
    func rescind(_ offerID: OfferID, notify: Bool = true) {
        guard let (offer, _) = state.removeOffer(offerID) else { return }
        recover(offer.resources, framework: offer.frameworkID, agent: offer.agentID, role: offer.allocationRole,
                filter: nil)
        if notify { toScheduler(offer.frameworkID, "rescind") { try await $0.rescind(offerID) } }
    }

    /// Rescinds offers older than ``MasterConfiguration/offerTimeout``.
    func expireOffers(now: ClockInstant) {
        guard let timeout = configuration.offerTimeout else { return }
        for (id, entry) in state.offers where now >= entry.madeAt.advanced(by: timeout) { rescind(id) }
    }

    // MARK: Declines

    public distributed func decline(_ request: DeclineRequest) async throws {
        _ = try subscribed(request.frameworkID)
        let filter = Self.refuseFilter(request.filters)
        for id in request.offerIDs {
            guard let (offer, _) = state.offers[id], offer.frameworkID == request.frameworkID else { continue }
            state.removeOffer(id)
            recover(offer.resources, framework: offer.frameworkID, agent: offer.agentID, role: offer.allocationRole,
                    filter: filter)
        }
        allocateIfPending()
    }

    /// The allocator filter for a framework's `Filters`: `nil` for zero seconds.
    static func refuseFilter(_ filters: Filters) -> RefuseFilter? {
        let duration = filters.refuseDuration
        return duration > .zero ? RefuseFilter(duration: duration) : nil
    }

    // MARK: Accepts

    public distributed func accept(_ request: AcceptRequest) async throws {
        let framework = try subscribed(request.frameworkID)
        // Only the named offers: copying every outstanding offer made each accept O(offers in the cluster).
        var named: [OfferID: KeelProtocol.Offer] = [:]
        for id in request.offerIDs { if let entry = state.offers[id] { named[id] = entry.offer } }
        switch LaunchValidator.pool(request.offerIDs, frameworkID: request.frameworkID, outstanding: named) {
        case .failure(let problem):
            // The offers are consumed whatever the outcome: the framework's valid ones go back unfiltered.
            for id in Set(request.offerIDs) {
                if let (offer, _) = state.offers[id], offer.frameworkID == request.frameworkID { rescind(id, notify: false) }
            }
            for error in LaunchValidator.dropAll(request.operations, because: problem) { refuse(error, framework: framework.id) }
        case .success(let pooled):
            for offer in pooled.offers { state.removeOffer(offer.id) }
            carryOut(request, pooled: pooled, framework: framework)
        }
        allocateIfPending()
    }

    /// Validates and performs the operations of an accept on valid pooled offers.
    private func carryOut(_ request: AcceptRequest, pooled: PooledOffers, framework: FrameworkRecord) {
        let context = LaunchContext(frameworkID: framework.id, principal: framework.info.principal,
                                    agentID: pooled.agentID, role: pooled.role,
                                    liveTaskIDs: state.liveTaskIDs(of: framework.id, among: Self.taskIDs(in: request.operations)),
                                    runningExecutors: state.executors(of: framework.id, on: pooled.agentID))
        let outcome = LaunchValidator.validate(request.operations, offered: pooled.resources, context: context)
        for error in outcome.taskErrors { refuse(error, framework: framework.id) }
        for error in outcome.operationErrors {
            logger.info("operation refused", ["framework": framework.id, "error": error.description])
        }
        for operation in outcome.accepted {
            switch operation {
            case .launch(let tasks):
                for task in tasks { launch(task, executor: task.executor, role: pooled.role, framework: framework) }
                let run = RunTasksRequest(framework: framework.info, tasks: tasks)
                toAgent(pooled.agentID, "runTasks") { try await $0.runTasks(run) }
            case .launchGroup(let executor, let group):
                for task in group.tasks { launch(task, executor: executor, role: pooled.role, framework: framework) }
                let run = RunTaskGroupRequest(framework: framework.info, executor: executor, group: group)
                toAgent(pooled.agentID, "runTaskGroup") { try await $0.runTaskGroup(run) }
            case .reserve(let resources), .unreserve(let resources):
                transform(operation, resources, pooled: pooled, framework: framework.id)
            }
        }
        recover(outcome.remaining, framework: framework.id, agent: pooled.agentID, role: pooled.role,
                filter: Self.refuseFilter(request.filters))
    }

    /// The IDs of the tasks an accept launches: the only ones the validator asks the live set about.
    static func taskIDs(in operations: [KeelProtocol.Operation]) -> [TaskID] {
        operations.flatMap { operation -> [TaskID] in
            switch operation {
            case .launch(let tasks): tasks.map(\.taskID)
            case .launchGroup(_, let group): group.tasks.map(\.taskID)
            case .reserve, .unreserve: []
            }
        }
    }

    /// Records one validated task as STAGING (and its executor, when new) and tells the framework.
    private func launch(_ task: TaskInfo, executor: ExecutorInfo?, role: Role, framework: FrameworkRecord) {
        if let executor, state.agents[task.agentID]?.executors[framework.id]?[executor.executorID] == nil {
            state.addExecutor(ExecutorRecord(info: executor, role: role, holdsResources: true), of: framework.id,
                              on: task.agentID)
        }
        let status = masterStatus(task.taskID, .staging, reason: nil, message: nil, agentID: task.agentID,
                                  executorID: executor?.executorID)
        state.setTask(TaskRecord(frameworkID: framework.id, info: task, role: role, state: .staging, latest: status,
                                 holdsResources: true))
        report(status, to: framework.id)
    }

    /// Applies an accepted RESERVE or UNRESERVE to the allocation and the agent.
    private func transform(_ operation: KeelProtocol.Operation, _ resources: Resources, pooled: PooledOffers,
                           framework: FrameworkID) {
        let plain = Resources(resources.map { Resource(name: $0.name, value: $0.value) })
        let reserving: Bool = if case .reserve = operation { true } else { false }
        let (from, to) = reserving ? (plain, resources) : (resources, plain)
        do {
            try allocator.transformAllocation(framework: framework, agent: pooled.agentID, role: pooled.role,
                                              from: from, to: to)
            if var agent = state.agents[pooled.agentID] {
                agent.info.resources = agent.info.resources - from + to
                state.agents[pooled.agentID] = agent
            }
            toAgent(pooled.agentID, "applyOperation") { try await $0.applyOperation(operation, frameworkID: framework) }
        } catch {
            logger.error("transforming allocation failed", ["framework": framework, "error": error.description])
        }
    }

    /// Reports a task refused by validation (ERROR) or dropped with its offers (DROPPED); nothing is recorded as live.
    private func refuse(_ error: TaskError, framework: FrameworkID) {
        report(masterStatus(error.taskID, error.state, reason: error.reason, message: error.description, agentID: nil),
               to: framework)
    }
}
