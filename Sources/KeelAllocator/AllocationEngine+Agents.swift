import KeelCore

extension AllocationEngine {
    func agentSlot(_ id: AgentID) throws(AllocatorError) -> Int32 {
        guard let slot = agentSlots[id] else { throw AllocatorError.unknownAgent(id) }
        return slot
    }

    mutating func addAgent(
        _ id: AgentID, info: AgentInfo, used: [FrameworkID: [Role: Resources]]
    ) throws(AllocatorError) {
        guard agentSlots[id] == nil else { throw AllocatorError.duplicateAgent(id) }
        var inUse = Resources()
        for (_, perRole) in used { for (_, resources) in perRole { inUse += resources } }
        guard info.resources.contains(inUse) else {
            throw AllocatorError.invalidConfiguration("agent \(id): used resources \(inUse) exceed its total")
        }
        for entry in info.resources {
            if case .scalar = entry.value { _ = internKind(entry.name) }
        }
        let record = AgentRecord(
            id: id, hostname: info.hostname, attributes: info.attributes, total: info.resources,
            free: info.resources, hasReservations: info.resources.contains { $0.reservation != nil },
            hasGPU: info.resources.scalar(named: "gpus") > .zero)
        let slot: Int32
        if let reused = freeAgentSlots.popLast() {
            slot = reused
            agents[Int(slot)] = record
        } else {
            slot = Int32(agents.count)
            agents.append(record)
            agentFree.append(contentsOf: repeatElement(0, count: stride))
            liveAgentPosition.append(-1)
        }
        loadScratch(info.resources)
        for kind in 0..<stride { agentFree[Int(slot) * stride + kind] = scratchAll[kind] }
        agentSlots[id] = slot
        liveAgentPosition[Int(slot)] = Int32(liveAgents.count)
        liveAgents.append(slot)
        accountAgentTotals(total: info.resources, free: info.resources, sign: 1)
        for (frameworkID, perRole) in used.sorted(by: { $0.key < $1.key }) {
            let framework = frameworkSlots[frameworkID] ?? newFrameworkSlot(frameworkID)
            for (role, resources) in perRole.sorted(by: { $0.key < $1.key }) where !resources.isEmpty {
                charge(agent: slot, client: client(of: framework, role: role), resources: resources)
            }
        }
        markPending(slot)
    }

    mutating func markPending(_ agent: Int32) {
        guard !agents[Int(agent)].pending else { return }
        agents[Int(agent)].pending = true
        pendingAgents.append(agent)
    }

    mutating func removeAgent(_ id: AgentID) throws(AllocatorError) {
        let slot = try agentSlot(id)
        let a = Int(slot)
        for entry in agents[a].ledger {
            loadScratch(entry.resources)
            applyRows(agent: slot, client: entry.client, sign: -1, touchAgent: false)
            heldAgents[Int(entry.client)].remove(slot)
        }
        for filter in agents[a].filters { heldAgents[Int(filter.client)].remove(slot) }
        accountAgentTotals(total: agents[a].total, free: agents[a].free, sign: -1)
        for kind in 0..<stride { agentFree[a * stride + kind] = 0 }
        agents[a] = AgentRecord(id: id, live: false, active: false, hostname: "", attributes: Attributes(),
                                total: Resources(), free: Resources(), hasReservations: false, hasGPU: false)
        let position = Int(liveAgentPosition[a])
        let moved = liveAgents[liveAgents.count - 1]
        liveAgents[position] = moved
        liveAgentPosition[Int(moved)] = Int32(position)
        liveAgents.removeLast()
        liveAgentPosition[a] = -1
        agentSlots[id] = nil
        freeAgentSlots.append(slot)
    }

    mutating func updateAgent(_ id: AgentID, total: Resources) throws(AllocatorError) {
        let slot = try agentSlot(id)
        let a = Int(slot)
        var allocated = Resources()
        for entry in agents[a].ledger { allocated += entry.resources }
        guard total.contains(allocated) else {
            throw AllocatorError.invalidConfiguration("agent \(id): new total \(total) is below allocated \(allocated)")
        }
        for entry in total {
            if case .scalar = entry.value { _ = internKind(entry.name) }
        }
        accountAgentTotals(total: agents[a].total, free: agents[a].free, sign: -1)
        let free = total - allocated
        agents[a].total = total
        agents[a].free = free
        agents[a].hasReservations = total.contains { $0.reservation != nil }
        agents[a].hasGPU = total.scalar(named: "gpus") > .zero
        loadScratch(free)
        for kind in 0..<stride { agentFree[a * stride + kind] = scratchAll[kind] }
        accountAgentTotals(total: total, free: free, sign: 1)
        markPending(slot)
    }

    mutating func setAgentActive(_ id: AgentID, _ active: Bool) throws(AllocatorError) {
        let slot = try agentSlot(id)
        agents[Int(slot)].active = active
        if active { markPending(slot) }
    }

    /// Finds the client and checks it holds `resources` on the agent.
    func heldClient(
        framework: FrameworkID, agent: Int32, role: Role, resources: Resources
    ) throws(AllocatorError) -> Int32 {
        let slot = try frameworkSlot(framework)
        let agentID = agents[Int(agent)].id
        guard let client = frameworks[Int(slot)].clients.first(where: { $0.role == role })?.client else {
            throw AllocatorError.notAllocated(framework, agentID, role, "the framework holds nothing in this role")
        }
        let held = agents[Int(agent)].ledger.first { $0.client == client }?.resources ?? Resources()
        guard held.contains(resources) else {
            throw AllocatorError.notAllocated(framework, agentID, role, "\(resources) is not within \(held)")
        }
        return client
    }

    mutating func transformAllocation(
        framework: FrameworkID, agent: AgentID, role: Role, from: Resources, to: Resources
    ) throws(AllocatorError) {
        let slot = try agentSlot(agent)
        let client = try heldClient(framework: framework, agent: slot, role: role, resources: from)
        guard from.quantities == to.quantities else {
            throw AllocatorError.notAllocated(framework, agent, role,
                                              "a transformation must keep quantities (\(from) → \(to))")
        }
        let a = Int(slot)
        let index = agents[a].ledger.firstIndex { $0.client == client } ?? 0
        agents[a].ledger[index].resources = agents[a].ledger[index].resources - from + to
        agents[a].total = agents[a].total - from + to
        agents[a].hasReservations = agents[a].total.contains { $0.reservation != nil }
        accountReservations(from, sign: -1)
        accountReservations(to, sign: 1)
        // Only the unreserved half of the client's consumption changes; the totals stay the same.
        for (resources, sign) in [(from, Int64(-1)), (to, Int64(1))] {
            loadScratch(resources)
            var node = clients[Int(client)].leaf
            while node > 0 {
                for kind in 0..<kindNames.count {
                    nodeAllocUnreserved[Int(node) * stride + kind] &+= scratchUnreserved[kind] &* sign
                }
                node = nodes[Int(node)].parent
            }
        }
    }
}
