import KeelCore

extension AllocationEngine {
    /// Moves `resources` from the agent's free pool to the client: ledger, free pool, flat rows and cached
    /// shares are all updated together so they can never disagree.
    mutating func charge(agent: Int32, client: Int32, resources: Resources) {
        loadScratch(resources)
        applyRows(agent: agent, client: client, sign: 1, touchAgent: true)
        let a = Int(agent)
        agents[a].free = agents[a].free - resources
        if let index = agents[a].ledger.firstIndex(where: { $0.client == client }) {
            agents[a].ledger[index].resources += resources
        } else {
            agents[a].ledger.append(LedgerEntry(client: client, resources: resources))
            heldAgents[Int(client)].insert(agent)
        }
    }

    /// The inverse of ``charge(agent:client:resources:)``; the caller has checked the client holds them.
    mutating func release(agent: Int32, client: Int32, resources: Resources) {
        loadScratch(resources)
        applyRows(agent: agent, client: client, sign: -1, touchAgent: true)
        let a = Int(agent)
        agents[a].free += resources
        if let index = agents[a].ledger.firstIndex(where: { $0.client == client }) {
            let remaining = agents[a].ledger[index].resources - resources
            if remaining.isEmpty {
                agents[a].ledger.remove(at: index)
                refreshHeld(agent: agent, client: client)
            } else {
                agents[a].ledger[index].resources = remaining
            }
        }
    }

    /// Brings ``heldAgents`` up to date for one (agent, client) pair whose ledger entry or filter went.
    mutating func refreshHeld(agent: Int32, client: Int32) {
        let a = Int(agent)
        let index = filterIndex(agent: a, client: client)
        let filtered = index < agents[a].filters.count && agents[a].filters[index].client == client
        if filtered || agents[a].ledger.contains(where: { $0.client == client }) {
            heldAgents[Int(client)].insert(agent)
        } else {
            heldAgents[Int(client)].remove(agent)
        }
    }

    /// Adds `sign` × scratch to the client's and its role path's rows (and the opposite to the agent's free row
    /// when `touchAgent`), then refreshes the affected shares.
    mutating func applyRows(agent: Int32, client: Int32, sign: Int64, touchAgent: Bool) {
        let kinds = kindNames.count
        let clientBase = Int(client) * stride
        let agentBase = Int(agent) * stride
        for kind in 0..<kinds {
            let all = scratchAll[kind] &* sign
            clientAlloc[clientBase + kind] &+= all
            if touchAgent {
                agentFree[agentBase + kind] &-= all
                clusterFreeUnreserved[kind] &-= scratchUnreserved[kind] &* sign
            }
        }
        var node = clients[Int(client)].leaf
        while node > 0 {
            let base = Int(node) * stride
            for kind in 0..<kinds {
                nodeAlloc[base + kind] &+= scratchAll[kind] &* sign
                nodeAllocUnreserved[base + kind] &+= scratchUnreserved[kind] &* sign
            }
            node = nodes[Int(node)].parent
        }
        guard !sharesDirty else { return }
        let share = dominantShare(clientAlloc, row: Int(client))
        let old = clients[Int(client)].share
        clients[Int(client)].share = share
        if clients[Int(client)].listed {
            nodes[Int(clients[Int(client)].leaf)].order.update(id: client, from: old, to: share)
        }
        node = clients[Int(client)].leaf
        while node > 0 {
            refreshNodeShare(node)
            node = nodes[Int(node)].parent
        }
    }

    /// Adds (`sign` 1) or removes (`-1`) the reserved scalars of `resources` to each reserving role's path, the
    /// "reserved" half of quota consumption.
    mutating func accountReservations(_ resources: Resources, sign: Int64) {
        for entry in resources {
            guard let reservation = entry.reservation, case .scalar(let amount) = entry.value else { continue }
            let kind = internKind(entry.name)
            var node = ensureRole(reservation.role)
            while node > 0 {
                nodeReserved[Int(node) * stride + kind] &+= amount.milli &* sign
                node = nodes[Int(node)].parent
            }
        }
    }

    /// Adds (`sign` 1) or removes (`-1`) an agent's total and free amounts to the cluster rows.
    mutating func accountAgentTotals(total: Resources, free: Resources, sign: Int64) {
        loadScratch(total)
        for kind in 0..<kindNames.count { clusterTotal[kind] &+= scratchAll[kind] &* sign }
        loadScratch(free)
        for kind in 0..<kindNames.count { clusterFreeUnreserved[kind] &+= scratchUnreserved[kind] &* sign }
        accountReservations(total, sign: sign)
        sharesDirty = true
    }
}
