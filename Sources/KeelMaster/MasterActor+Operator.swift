import Distributed
import KeelActors
import KeelAllocator
import KeelCore
import KeelProtocol

/// The operator API (``OperatorService``): listings, durable weights and quotas, task output, marking agents gone.
extension MasterActor {
    public distributed func agents() async throws -> [AgentSummary] {
        let allocations = Dictionary(allocatorSnapshot().agents.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var liveTasks: [AgentID: Int] = [:]
        for task in state.tasks.values.flatMap(\.values) where !task.state.isTerminal { liveTasks[task.agentID, default: 0] += 1 }
        return state.agents.values.sorted { $0.id < $1.id }.map { agent in
            let allocated = allocations[agent.id].map { $0.total - $0.free } ?? Resources()
            return AgentSummary(id: agent.id, hostname: agent.info.hostname, state: agent.state, total: agent.info.resources,
                                allocated: agent.state == .active ? allocated : Resources(),
                                attributes: agent.info.attributes, tasks: liveTasks[agent.id] ?? 0)
        }
    }

    public distributed func frameworks() async throws -> [FrameworkSummary] {
        let standing = Dictionary(allocatorSnapshot().frameworks.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        return state.frameworks.values.sorted { $0.id < $1.id }.map { framework in
            let roles = standing[framework.id]?.roles ?? []
            return FrameworkSummary(info: framework.info, connected: framework.connected,
                                    tasks: state.liveTaskIDs(of: framework.id).count,
                                    allocated: roles.reduce(ResourceQuantities()) { $0 + $1.allocated },
                                    dominantShare: roles.map(\.dominantShare).max() ?? 0)
        }
    }

    public distributed func tasks(frameworkID: FrameworkID?) async throws -> [TaskSummary] {
        func summary(_ task: TaskRecord) -> TaskSummary {
            TaskSummary(frameworkID: task.frameworkID, taskID: task.info.taskID, name: task.info.name,
                        agentID: task.agentID, role: task.role, state: task.state, resources: task.info.resources,
                        latest: task.latest)
        }
        var byKey: [String: TaskSummary] = [:]
        func key(_ task: TaskRecord) -> String { task.frameworkID.value + "\u{0}" + task.info.taskID.value }
        for task in state.completedTasks.all where frameworkID == nil || task.frameworkID == frameworkID {
            byKey[key(task)] = summary(task)
        }
        for (id, tasks) in state.tasks where frameworkID == nil || id == frameworkID {
            for task in tasks.values { byKey[key(task)] = summary(task) }
        }
        return byKey.values.sorted { ($0.frameworkID, $0.taskID) < ($1.frameworkID, $1.taskID) }
    }

    public distributed func weights() async throws -> [RoleWeight] {
        allocatorSnapshot().roles.filter { $0.weight != 1 }.map { RoleWeight(role: $0.role, weight: $0.weight) }
    }

    public distributed func updateWeights(_ weights: [RoleWeight]) async throws {
        for entry in weights where !(entry.weight.isFinite && entry.weight > 0) {
            throw MasterError.invalidRequest("weight of role '\(entry.role)' must be positive and finite (got \(entry.weight))")
        }
        guard !weights.isEmpty else { return }
        try await servingRegistrar()
        try await persist([.weights(weights)])
        applyWeights(weights)
        logger.notice("weights updated", ["weights": weights.map { "\($0.role)=\($0.weight)" }.joined(separator: ",")])
        allocateIfPending()
    }

    public distributed func quotas() async throws -> [RoleQuota] {
        allocatorSnapshot().roles.compactMap { role in
            role.quota.map { RoleQuota(role: role.role, guarantee: $0.guarantee, limit: $0.limit) }
        }
    }

    public distributed func updateQuota(_ quota: RoleQuota) async throws {
        if let limit = quota.limit {
            let limited = Set(limit.map(\.name))
            for entry in quota.guarantee where limited.contains(entry.name) && limit[entry.name] < entry.amount {
                throw MasterError.invalidRequest("quota of role '\(quota.role)': guarantee \(entry.name):\(entry.amount) "
                                                 + "exceeds the limit \(limit[entry.name])")
            }
        }
        try await servingRegistrar()
        try await persist([.quota(quota)])
        applyQuota(quota)
        logger.notice("quota updated", ["role": quota.role, "guarantee": quota.guarantee,
                                        "limit": quota.limit.map(\.description) ?? "none"])
        allocateIfPending()
    }

    public distributed func readTaskOutput(_ request: TaskOutputRequest) async throws -> TaskOutputChunk {
        guard let task = state.tasks[request.frameworkID]?[request.taskID]
                ?? state.completedTasks.find(request.frameworkID, request.taskID) else {
            throw MasterError.unknownTask(request.frameworkID, request.taskID)
        }
        guard let agent = state.agents[task.agentID], agent.state == AgentState.active else {
            let why = state.agents[task.agentID].map { "it is \($0.state)" } ?? "it is unknown"
            throw MasterError.agentUnavailable(task.agentID, reason: why)
        }
        let stub = try $AgentService.resolve(id: agent.actor, using: actorSystem)
        do {
            return try await stub.readTaskOutput(request)
        } catch let error as AgentError {
            throw error
        } catch {
            throw MasterError.agentUnavailable(task.agentID, reason: String(describing: error))
        }
    }

    public distributed func markAgentGone(_ agentID: AgentID) async throws {
        try await servingRegistrar()
        guard let known = state.agents[agentID] else { throw MasterError.agentNotRegistered(agentID) }
        if known.state == .gone { return }
        try await persist([.gone(agentID, time: configuration.wallClock())])
        removeForGood(agentID, taskState: .goneByOperator, reason: .agentRemovedByOperator,
                      message: "agent \(agentID) was marked gone by an operator")
    }

    /// Applies weights to the allocator (already validated and recorded).
    func applyWeights(_ weights: [RoleWeight]) {
        let table = Dictionary(weights.map { ($0.role, $0.weight) }, uniquingKeysWith: { _, last in last })
        do { try allocator.updateWeights(table) } catch {
            logger.error("allocator refused weights", ["error": error.description])
        }
    }

    /// Applies a quota to the allocator (already validated and recorded).
    func applyQuota(_ quota: RoleQuota) {
        do {
            try allocator.updateQuota(quota.role, quota.isEmpty ? nil : Quota(guarantee: quota.guarantee, limit: quota.limit))
        } catch {
            logger.error("allocator refused quota", ["role": quota.role, "error": error.description])
        }
    }
}
