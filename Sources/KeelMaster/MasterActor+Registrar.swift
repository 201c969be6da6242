import Distributed
import KeelActors
import KeelAllocator
import KeelCore
import KeelProtocol

extension MasterActor {
    /// Recovers the registrar from ``MasterConfiguration/stateStore`` and applies it, once; later calls return at
    /// once (or rethrow the recovery's error). Call it before serving to fail fast on a damaged store; otherwise the
    /// first agent call or ``tick()`` runs it.
    ///
    /// Recovery rules (proposal 0003): agents recorded as *admitted* are expected to re-register within
    /// ``MasterConfiguration/agentReregistrationTimeout`` and are marked unreachable (durably) if they do not;
    /// *unreachable* agents stay unreachable until they re-register; *gone* agents are refused with
    /// ``MasterError/agentGone(_:)``. Frameworks, tasks and offers are not persisted: agents report their tasks
    /// when they re-register, and frameworks reconcile.
    ///
    /// - Throws: ``RegistrarError/recoveryFailed(_:)`` naming the failed store operation or the corrupt snapshot or
    ///   record; the master then refuses every agent call and its timers do nothing.
    public func recoverRegistry() async throws(RegistrarError) {
        if registryRestored { return }
        let recovery = registryRecovery ?? {
            let registrar = registrar
            let task = Task { () -> Result<Registry, RegistrarError> in
                do throws(RegistrarError) { return .success(try await registrar.recover()) } catch { return .failure(error) }
            }
            registryRecovery = task
            return task
        }()
        let result = await recovery.value
        if registryRestored { return }
        switch result {
        case .success(let registry): restore(registry)
        case .failure(let error):
            logger.error("registrar recovery failed; the master refuses to serve", ["error": error.description])
            throw .recoveryFailed(error.description)
        }
    }

    /// Agents remembered as admitted that have not re-registered since the restart, sorted (for tests and endpoints).
    public var recoveringAgentIDs: [AgentID] { recoveringAgents.keys.sorted() }

    /// Applies a recovered registry to a master that has not admitted anyone yet.
    private func restore(_ registry: Registry) {
        registryRestored = true
        let now = configuration.clock.now()
        for agent in registry.agents where state.agents[agent.id] == nil {
            switch agent.status {
            case .admitted:
                recoveringAgents[agent.id] = agent
            case .unreachable, .gone:
                state.agents[agent.id] = AgentRecord(id: agent.id, info: agent.info, actor: agent.actor,
                                                     state: agent.status == .gone ? .gone : .unreachable,
                                                     lastSeen: now, lastPing: now,
                                                     unreachableSince: agent.status == .gone ? nil : agent.since)
            }
        }
        unreachableExpiryDue = nil
        if !registry.weights.isEmpty { applyWeights(registry.weights) }
        for quota in registry.quotas { applyQuota(quota) }
        if !recoveringAgents.isEmpty {
            reregistrationDeadline = now.advanced(by: configuration.agentReregistrationTimeout)
        }
        logger.notice("registrar recovered", ["admitted": recoveringAgents.count,
                                              "unreachable": registry.agents.filter { $0.status == .unreachable }.count,
                                              "gone": registry.agents.filter { $0.status == .gone }.count,
                                              "weights": registry.weights.count, "quotas": registry.quotas.count])
    }

    /// Recovers the registrar if needed; a master whose recovery failed refuses agent calls.
    func servingRegistrar() async throws(MasterError) {
        do { try await recoverRegistry() } catch { throw .invalidRequest(error.description) }
    }

    /// Appends `records` durably before the caller acknowledges anything.
    func persist(_ records: [RegistrarRecord]) async throws(MasterError) {
        do { try await registrar.append(records) } catch {
            logger.error("registrar write failed", ["error": error.description])
            throw .invalidRequest("the master could not record the change durably: \(error.description)")
        }
        if let failure = await registrar.lastCompactionError {
            logger.warning("registrar compaction failed; retried after the next append", ["error": failure.description])
        }
    }

    /// Marks the agents that did not re-register within the window unreachable, durably first.
    func expireReregistrationWindow(now: ClockInstant) async {
        guard let deadline = reregistrationDeadline, now >= deadline else { return }
        reregistrationDeadline = nil
        let missing = recoveringAgents.values.sorted { $0.id < $1.id }
        guard !missing.isEmpty else { return }
        let time = configuration.wallClock()
        do { try await registrar.append(missing.map { .unreachable($0.id, time: time) }) } catch {
            logger.error("cannot record agents that missed the re-registration window; retrying at the next tick",
                         ["agents": missing.map(\.id.description).joined(separator: ","), "error": error.description])
            reregistrationDeadline = deadline
            return
        }
        var readmitted: [RegistrarRecord] = []
        for agent in missing {
            guard recoveringAgents.removeValue(forKey: agent.id) != nil, state.agents[agent.id] == nil else {
                // It re-registered while the batch was written: record it as admitted again, after the batch.
                if let record = state.agents[agent.id], record.state == .active {
                    readmitted.append(.admitted(agent.id, info: record.info, actor: record.actor))
                }
                continue
            }
            logger.notice("agent did not re-register after the master restarted", ["agent": agent.id])
            let now = configuration.clock.now()
            state.agents[agent.id] = AgentRecord(id: agent.id, info: agent.info, actor: agent.actor, state: .unreachable,
                                                 lastSeen: now, lastPing: now, unreachableSince: time)
            unreachableExpiryDue = nil
            publish(.agentUnreachable(agent.id))
        }
        if !readmitted.isEmpty {
            do { try await registrar.append(readmitted) } catch {
                logger.error("cannot re-record re-registered agents", ["error": error.description])
            }
        }
    }
}
