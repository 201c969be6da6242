import Distributed
import KeelActors
import KeelAllocator
import KeelCore
import KeelProtocol

extension MasterActor {
    public distributed func registerAgent(_ request: RegisterAgentRequest) async throws -> AgentRegistered {
        guard request.version.isCompatible(with: .current) else {
            throw MasterError.incompatibleVersion(offered: request.version, supported: .current)
        }
        try request.agent.validate()
        if let id = request.agent.id {
            throw MasterError.invalidAgentInfo(field: "id", reason: "must be unset on first registration (got \(id)); re-register instead")
        }
        try await servingRegistrar()
        let id = state.newAgentID()
        var info = request.agent
        info.id = id
        try await persist([.admitted(id, info: info, actor: request.actor)])
        try admit(id, info: info, actor: request.actor, used: [:])
        logger.info("agent registered", ["agent": id, "hostname": info.hostname, "resources": info.resources])
        allocateIfPending()
        return AgentRegistered(agentID: id, pingInterval: configuration.agentPingInterval)
    }

    public distributed func reregisterAgent(_ request: ReregisterAgentRequest) async throws -> AgentRegistered {
        guard request.version.isCompatible(with: .current) else {
            throw MasterError.incompatibleVersion(offered: request.version, supported: .current)
        }
        try request.agent.validate()
        guard let id = request.agent.id else {
            throw MasterError.invalidAgentInfo(field: "id", reason: "must be set when re-registering")
        }
        try await servingRegistrar()
        if state.agents[id]?.state == .gone { throw MasterError.agentGone(id) }
        var info = request.agent
        info.id = id
        let recovering = recoveringAgents.removeValue(forKey: id)
        do { try await persist([.admitted(id, info: info, actor: request.actor)]) } catch {
            if let recovering, state.agents[id] == nil { recoveringAgents[id] = recovering }
            throw error
        }
        // The master may have changed while the record was written.
        if let known = state.agents[id] {
            if known.state == .gone { throw MasterError.agentGone(id) }
            if known.state == .active { deactivate(id, to: nil) }
        }
        let reported = Dictionary(request.tasks.map { ($0.task.taskID, $0) }, uniquingKeysWith: { _, last in last })
        var used: [FrameworkID: [Role: Resources]] = [:]
        // Tasks the master knew on this agent but the agent no longer reports are gone.
        for task in state.liveTasks(onAgent: id)
            where reported[task.info.taskID].map({ $0.frameworkID != task.frameworkID }) ?? true {
            let status = masterStatus(task.info.taskID, .gone, reason: .agentReregistered,
                                      message: "agent \(id) re-registered without the task", agentID: id)
            state.tasks[task.frameworkID]?[task.info.taskID]?.state = .gone
            state.tasks[task.frameworkID]?[task.info.taskID]?.latest = status
            state.tasks[task.frameworkID]?[task.info.taskID]?.holdsResources = false
            report(status, to: task.frameworkID)
        }
        var kill: [KillRequest] = []
        var removed = Set<FrameworkID>()
        for snapshot in request.tasks where !snapshot.state.isTerminal {
            let frameworkID = snapshot.frameworkID
            let previous = state.tasks[frameworkID]?[snapshot.task.taskID]
            if state.removedFrameworks.contains(frameworkID) {
                removed.insert(frameworkID)
                continue
            }
            if previous?.state.isTerminal == true {
                // The master already ended this task (terminal states are final): have the agent stop it.
                kill.append(KillRequest(frameworkID: frameworkID, taskID: snapshot.task.taskID, agentID: id))
                continue
            }
            if previous?.state == .unreachable && !state.isPartitionAware(frameworkID) {
                // The framework was told LOST, which is final for it.
                kill.append(KillRequest(frameworkID: frameworkID, taskID: snapshot.task.taskID, agentID: id))
            }
            let role = previous?.role ?? state.frameworks[frameworkID]?.info.roles.first ?? .any
            let status = previous?.latest ?? masterStatus(snapshot.task.taskID, snapshot.state, reason: nil,
                                                          message: nil, agentID: id)
            var latest = status
            latest.state = snapshot.state
            state.setTask(TaskRecord(frameworkID: frameworkID, info: snapshot.task, role: role, state: snapshot.state,
                                     latest: latest, holdsResources: true, seenUpdates: previous?.seenUpdates ?? []))
            used[frameworkID, default: [:]][role, default: Resources()] += snapshot.task.resources
        }
        try admit(id, info: info, actor: request.actor, used: used, executors: request.executors)
        for request in kill { toAgent(id, "killTask") { try await $0.killTask(request) } }
        for frameworkID in removed.sorted() {
            toAgent(id, "shutdownFramework") { try await $0.shutdownFramework(frameworkID) }
        }
        logger.info("agent re-registered", ["agent": id, "tasks": request.tasks.count])
        allocateIfPending()
        return AgentRegistered(agentID: id, pingInterval: configuration.agentPingInterval)
    }

    /// Records an agent as active, adds it to the allocator and watches its actor.
    private func admit(_ id: AgentID, info: KeelProtocol.AgentInfo, actor: ActorID,
                       used: [FrameworkID: [Role: Resources]], executors: [ExecutorSnapshot] = []) throws {
        let allocatorInfo = KeelAllocator.AgentInfo(hostname: info.hostname, resources: info.resources,
                                                    attributes: info.attributes)
        var executorRecords: [FrameworkID: [ExecutorID: ExecutorRecord]] = [:]
        var used = used
        for snapshot in executors {
            let role = state.frameworks[snapshot.frameworkID]?.info.roles.first ?? .any
            executorRecords[snapshot.frameworkID, default: [:]][snapshot.executor.executorID] =
                ExecutorRecord(info: snapshot.executor, role: role, holdsResources: true)
            used[snapshot.frameworkID, default: [:]][role, default: Resources()] += snapshot.executor.resources
        }
        do { try allocator.addAgent(id, info: allocatorInfo, used: used) } catch {
            throw MasterError.invalidRequest("allocator refused agent \(id): \(error)")
        }
        if let old = state.agents[id]?.actor, old != actor { forget(old) }
        let now = configuration.clock.now()
        let pingReference = AgentCheckSchedule.firstPingReference(for: id, admittedAt: now,
                                                                  interval: configuration.agentPingInterval)
        state.setAgent(AgentRecord(id: id, info: info, actor: actor, state: .active, lastSeen: now,
                                   lastPing: pingReference, executors: executorRecords))
        if let admitted = state.agents[id] { scheduleCheck(admitted) }
        watch(actor) { master in await master.agentActorLost(id, actor: actor) }
        publish(.agentAdmitted(id))
    }

    public distributed func unregisterAgent(_ agentID: AgentID) async throws {
        try await servingRegistrar()
        guard let known = state.agents[agentID], known.state != .gone else { throw MasterError.agentNotRegistered(agentID) }
        try await persist([.gone(agentID, time: configuration.wallClock())])
        removeForGood(agentID, taskState: .gone, reason: .agentRemoved, message: "agent \(agentID) is gone")
        logger.notice("agent unregistered", ["agent": agentID])
    }

    /// Any state → gone, after the registrar recorded it: an active agent is deactivated with its live tasks moved to
    /// `taskState`; an unreachable agent's unreachable tasks move too, reported only to partition-aware frameworks
    /// (the others were told LOST, which is final for them).
    func removeForGood(_ agentID: AgentID, taskState: TaskState, reason: TaskReason, message: String) {
        // Another call may have removed it while the record was written.
        guard let agent = state.agents[agentID], agent.state != .gone else { return }
        if agent.state == .active {
            deactivate(agentID, to: .gone, taskState: taskState, reason: reason, message: message)
        } else {
            for task in state.liveTasks(onAgent: agentID) {
                let status = masterStatus(task.info.taskID, taskState, reason: reason, message: message, agentID: agentID)
                state.tasks[task.frameworkID]?[task.info.taskID]?.state = taskState
                state.tasks[task.frameworkID]?[task.info.taskID]?.latest = status
                state.tasks[task.frameworkID]?[task.info.taskID]?.holdsResources = false
                if state.isPartitionAware(task.frameworkID) { report(status, to: task.frameworkID) }
            }
        }
        state.agents[agentID]?.state = .gone
        state.agents[agentID]?.unreachableSince = nil
        forget(agent.actor)
        publish(.agentGone(agentID))
        allocateIfPending()
    }

    /// Marks agents unreachable for longer than ``MasterConfiguration/unreachableAgentMaxAge`` gone, durably first.
    ///
    /// Looks at the agents only when the earliest of them can be due (``unreachableExpiryDue``), not on every tick:
    /// the age is days, the tick a tenth of a second, and a master has an entry per agent (50,000 at scale).
    func expireUnreachableAgents() async {
        guard let maxAge = configuration.unreachableAgentMaxAge else { return }
        let now = configuration.wallClock()
        if let due = unreachableExpiryDue, now < due { return }
        let age = Double(maxAge.components.seconds) + Double(maxAge.components.attoseconds) / 1e18
        var expired: [AgentID] = []
        var nextDue = Double.infinity
        for (id, agent) in state.agents where agent.state == .unreachable {
            guard let since = agent.unreachableSince else { continue }
            if now - since >= age { expired.append(id) } else { nextDue = min(nextDue, since + age) }
        }
        unreachableExpiryDue = nextDue
        guard !expired.isEmpty else { return }
        expired.sort()
        do { try await registrar.append(expired.map { .gone($0, time: now) }) } catch {
            logger.error("cannot record agents unreachable too long as gone; retrying at the next tick",
                         ["error": error.description])
            unreachableExpiryDue = nil
            return
        }
        for agentID in expired where state.agents[agentID]?.state == .unreachable {
            logger.notice("agent unreachable too long; marked gone", ["agent": agentID, "maxAge": maxAge])
            removeForGood(agentID, taskState: .gone, reason: .agentRemoved,
                          message: "agent \(agentID) was unreachable for longer than \(maxAge)")
        }
    }

    /// The agent's actor or node went away (the runtime's watch).
    func agentActorLost(_ agentID: AgentID, actor: ActorID) async {
        guard let agent = state.agents[agentID], agent.actor == actor, agent.state == .active else { return }
        logger.notice("agent actor terminated", ["agent": agentID])
        await markUnreachable(agentID)
    }

    /// Pings active agents that are due and marks those silent past the timeout unreachable. Only agents whose entry in
    /// ``agentChecks`` is due are looked at (a scan of every agent each tick cost 15% of a core at 50,000 agents), one
    /// at a time as they come due: gathering a tick's due agents and copying their records to sort them — 1,000 a tick
    /// at 10,000 agents pinged every second — took 9% of the master's loop (perf: growing arrays are large allocations
    /// on a fragmented heap). Pings go out in due order; agents that fell silent are handled after, in ID order.
    func checkAgents(now: ClockInstant) async {
        let timeout = configuration.agentPingTimeout, interval = configuration.agentPingInterval
        var silent: [AgentID] = []
        while let id = agentChecks.popDue(now: now) {
            guard let (agentState, lastSeen, lastPing) = state.agents[id].map({ ($0.state, $0.lastSeen, $0.lastPing) }),
                  agentState == .active else { continue }
            if now >= lastSeen.advanced(by: timeout) {
                silent.append(id)
            } else if now >= lastPing.advanced(by: interval) {
                state.agents[id]?.lastPing = now
                toAgent(id, "ping") { [weak self] stub in
                    let answer = try await KeelActorSystem.withCallTimeout(interval) { try await stub.ping(id) }
                    guard answer == id, let master = self else { return }
                    await master.whenLocal { $0.touch(id) }
                }
                scheduleCheck(id, lastSeen: lastSeen, lastPing: now)
            } else {
                scheduleCheck(id, lastSeen: lastSeen, lastPing: lastPing)
            }
        }
        for id in silent.sorted() {
            logger.notice("agent missed its pings", ["agent": id])
            await markUnreachable(id)
            // Still active (its unreachability could not be recorded): check it again when next due.
            if let agent = state.agents[id], agent.state == .active { scheduleCheck(agent) }
        }
    }

    /// Enters the agent's next ping or timeout, whichever comes first, in ``agentChecks``.
    func scheduleCheck(_ agent: AgentRecord) {
        scheduleCheck(agent.id, lastSeen: agent.lastSeen, lastPing: agent.lastPing)
    }

    /// Enters the next ping or timeout of the agent that was last seen and pinged at these times.
    func scheduleCheck(_ id: AgentID, lastSeen: ClockInstant, lastPing: ClockInstant) {
        agentChecks.schedule(id, at: min(lastSeen.advanced(by: configuration.agentPingTimeout),
                                         lastPing.advanced(by: configuration.agentPingInterval)))
    }

    /// The agent is alive (it answered a ping or called the master).
    func touch(_ agentID: AgentID) {
        guard state.agents[agentID]?.state == .active else { return }
        state.agents[agentID]?.lastSeen = configuration.clock.now()
    }

    /// Active → unreachable: offers rescinded, live tasks UNREACHABLE (LOST for frameworks that are not
    /// partition-aware) with `REASON_AGENT_REMOVED`, the agent removed from the allocator. Happens only once the
    /// registrar has the change durably; if it cannot be written the agent stays active (retried at the next missed
    /// ping check).
    func markUnreachable(_ agentID: AgentID) async {
        guard let agent = state.agents[agentID], agent.state == .active else { return }
        do { try await registrar.append([.unreachable(agentID, time: configuration.wallClock())]) } catch {
            logger.error("cannot record unreachable agent", ["agent": agentID, "error": error.description])
            return
        }
        // It may have re-registered (another actor) or been removed while the record was written.
        guard let current = state.agents[agentID], current.state == .active, current.actor == agent.actor else { return }
        deactivate(agentID, to: .unreachable)
        state.agents[agentID]?.state = .unreachable
        state.agents[agentID]?.unreachableSince = configuration.wallClock()
        unreachableExpiryDue = nil
        publish(.agentUnreachable(agentID))
        allocateIfPending()
    }

    /// Takes an active agent out of service: offers rescinded, tasks moved to `taskState` (when given) and reported,
    /// the agent removed from the allocator (which drops its allocations).
    private func deactivate(_ agentID: AgentID, to agentState: AgentState?, taskState: TaskState? = nil,
                            reason: TaskReason = .agentRemoved, message: String? = nil) {
        for offer in state.offers(onAgent: agentID) { rescind(offer.id) }
        if let agentState {
            let taskState: TaskState = taskState ?? (agentState == .gone ? .gone : .unreachable)
            for task in state.liveTasks(onAgent: agentID) {
                let status = masterStatus(task.info.taskID, taskState, reason: reason,
                                          message: message ?? "agent \(agentID) is \(agentState)", agentID: agentID)
                state.tasks[task.frameworkID]?[task.info.taskID]?.state = taskState
                state.tasks[task.frameworkID]?[task.info.taskID]?.latest = status
                report(status, to: task.frameworkID)
            }
        }
        for task in state.tasks(onAgent: agentID) {
            state.tasks[task.frameworkID]?[task.info.taskID]?.holdsResources = false
        }
        for frameworkID in state.agents[agentID]?.executors.keys.sorted() ?? [] {
            for executorID in state.agents[agentID]?.executors[frameworkID]?.keys.sorted() ?? [] {
                state.agents[agentID]?.executors[frameworkID]?[executorID]?.holdsResources = false
            }
        }
        do { try allocator.removeAgent(agentID) } catch {
            logger.error("removing agent failed", ["agent": agentID, "error": error.description])
        }
    }
}
