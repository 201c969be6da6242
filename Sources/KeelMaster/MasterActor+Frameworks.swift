import Distributed
import KeelActors
import KeelAllocator
import KeelCore
import KeelProtocol

extension MasterActor {
    public distributed func subscribe(_ request: SubscribeRequest) async throws -> Subscribed {
        guard request.version.isCompatible(with: .current) else {
            throw MasterError.incompatibleVersion(offered: request.version, supported: .current)
        }
        try request.framework.validate()
        var info = request.framework
        if let id = info.id, state.removedFrameworks.contains(id) { throw MasterError.frameworkRemoved(id) }
        if info.failoverTimeout == FrameworkInfo.defaultFailoverTimeout {
            info.failoverTimeout = configuration.defaultFailoverTimeout
        }
        let config = FrameworkConfig(roles: info.roles, gpuCapable: info.capabilities.contains(.gpuResources))
        let id: FrameworkID
        if let requested = info.id, let existing = state.frameworks[requested] {
            // Failover: keep the tasks, replace the scheduler, reactivate.
            id = requested
            if existing.scheduler != request.scheduler { forget(existing.scheduler) }
            do {
                try allocator.updateFramework(id, config: config, suppressedRoles: [])
                if !existing.connected { try allocator.activateFramework(id) }
            } catch { throw MasterError.invalidRequest("allocator refused framework \(id): \(error)") }
            state.frameworks[id] = FrameworkRecord(id: id, info: info, scheduler: request.scheduler, connected: true,
                                                   disconnectedAt: nil)
            for agentID in Set((state.tasks[id] ?? [:]).values.map(\.agentID)).sorted() {
                let update = info
                toAgent(agentID, "updateFramework") { try await $0.updateFramework(update) }
            }
            logger.info("framework re-subscribed", ["framework": id, "scheduler": request.scheduler])
        } else {
            // A new framework, or one that failed over to a master that does not know it yet.
            id = info.id ?? state.newFrameworkID()
            info.id = id
            do { try allocator.addFramework(id, config: config, active: true, suppressedRoles: []) } catch {
                throw MasterError.invalidRequest("allocator refused framework \(id): \(error)")
            }
            state.frameworks[id] = FrameworkRecord(id: id, info: info, scheduler: request.scheduler, connected: true,
                                                   disconnectedAt: nil)
            logger.info("framework subscribed", ["framework": id, "name": info.name, "scheduler": request.scheduler])
        }
        let scheduler = request.scheduler
        watch(scheduler) { master in master.schedulerLost(id, scheduler: scheduler) }
        publish(.frameworkSubscribed(id))
        allocateIfPending()
        return Subscribed(frameworkID: id, heartbeatInterval: configuration.heartbeatInterval)
    }

    /// The scheduler actor (or its node) went away: offers rescinded, framework deactivated, failover timer started.
    func schedulerLost(_ frameworkID: FrameworkID, scheduler: ActorID) {
        guard var framework = state.frameworks[frameworkID], framework.connected, framework.scheduler == scheduler
        else { return }
        logger.notice("framework disconnected", ["framework": frameworkID])
        for offer in state.offers(ofFramework: frameworkID) { rescind(offer.id, notify: false) }
        framework.connected = false
        framework.disconnectedAt = configuration.clock.now()
        state.frameworks[frameworkID] = framework
        forget(scheduler)
        do { try allocator.deactivateFramework(frameworkID) } catch {
            logger.error("deactivating framework failed", ["framework": frameworkID, "error": error.description])
        }
        publish(.frameworkDisconnected(frameworkID))
    }

    /// Removes frameworks whose scheduler stayed away past their failover timeout.
    func expireFrameworks(now: ClockInstant) {
        for framework in state.frameworks.values.sorted(by: { $0.id < $1.id }) {
            guard let since = framework.disconnectedAt, now >= since.advanced(by: framework.info.failoverTimeout)
            else { continue }
            logger.notice("framework failover timeout expired", ["framework": framework.id])
            removeFramework(framework.id)
        }
    }

    public distributed func teardown(_ frameworkID: FrameworkID) async throws {
        if state.removedFrameworks.contains(frameworkID) { throw MasterError.frameworkRemoved(frameworkID) }
        guard state.frameworks[frameworkID] != nil else { throw MasterError.frameworkNotSubscribed(frameworkID) }
        toScheduler(frameworkID, "error") { try await $0.error("framework \(frameworkID) was torn down") }
        removeFramework(frameworkID)
        allocateIfPending()
    }

    /// Removes a framework: offers withdrawn, tasks recorded KILLED with `REASON_FRAMEWORK_REMOVED`, agents told to
    /// shut the framework down, its allocations returned to the allocator, the ID retired.
    func removeFramework(_ frameworkID: FrameworkID) {
        guard let framework = state.frameworks[frameworkID] else { return }
        for offer in state.offers(ofFramework: frameworkID) { rescind(offer.id, notify: false) }
        var agents = Set<AgentID>()
        for (taskID, var task) in state.tasks[frameworkID] ?? [:] where !task.state.isTerminal {
            agents.insert(task.agentID)
            task.state = .killed
            task.holdsResources = false
            task.latest = masterStatus(taskID, .killed, reason: .frameworkRemoved, message: "framework removed",
                                       agentID: task.agentID)
            state.setTask(task)
        }
        agents.formUnion(state.removeExecutors(of: frameworkID))
        for agentID in agents.sorted() {
            toAgent(agentID, "shutdownFramework") { try await $0.shutdownFramework(frameworkID) }
        }
        do { try allocator.removeFramework(frameworkID) } catch {
            logger.error("removing framework failed", ["framework": frameworkID, "error": error.description])
        }
        forget(framework.scheduler)
        state.frameworks[frameworkID] = nil
        for task in state.removeTasks(of: frameworkID).values.sorted(by: { $0.info.taskID < $1.info.taskID }) {
            state.completedTasks.append(task)
        }
        state.removedFrameworks.insert(frameworkID)
        logger.notice("framework removed", ["framework": frameworkID])
        publish(.frameworkRemoved(frameworkID))
    }

    public distributed func revive(_ frameworkID: FrameworkID, roles: [Role]) async throws {
        _ = try subscribed(frameworkID)
        do { try allocator.reviveOffers(framework: frameworkID, roles: roles.isEmpty ? nil : Set(roles)) } catch {
            throw MasterError.invalidRequest("cannot revive \(roles): \(error)")
        }
        allocateIfPending()
    }

    public distributed func suppress(_ frameworkID: FrameworkID, roles: [Role]) async throws {
        _ = try subscribed(frameworkID)
        do { try allocator.suppressOffers(framework: frameworkID, roles: roles.isEmpty ? nil : Set(roles)) } catch {
            throw MasterError.invalidRequest("cannot suppress \(roles): \(error)")
        }
    }

    public distributed func sendFrameworkMessage(_ message: FrameworkMessage) async throws {
        _ = try subscribed(message.frameworkID)
        toAgent(message.agentID, "sendFrameworkMessage") { try await $0.sendFrameworkMessage(message) }
    }

    public distributed func sendExecutorMessage(_ message: FrameworkMessage) async throws {
        touch(message.agentID)
        toScheduler(message.frameworkID, "message") { try await $0.message(message) }
    }
}
