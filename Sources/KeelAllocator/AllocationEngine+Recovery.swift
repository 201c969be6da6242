import KeelCore

extension AllocationEngine {
    mutating func recover(
        framework: FrameworkID, agent: AgentID, role: Role, resources: Resources, filter: RefuseFilter?
    ) throws(AllocatorError) {
        let slot = try agentSlot(agent)
        let client = try heldClient(framework: framework, agent: slot, role: role, resources: resources)
        if !resources.isEmpty { release(agent: slot, client: client, resources: resources) }
        if let filter, filter.duration > .zero {
            addFilter(agent: slot, client: client, expiry: clock.now().advanced(by: filter.duration).nanoseconds)
        }
        markPending(slot)
    }

    /// Inserts or extends the (client, agent) filter; filters stay sorted by client for binary search.
    mutating func addFilter(agent: Int32, client: Int32, expiry: Int64) {
        let a = Int(agent)
        let index = filterIndex(agent: a, client: client)
        if index < agents[a].filters.count && agents[a].filters[index].client == client {
            agents[a].filters[index].expiry = Swift.max(agents[a].filters[index].expiry, expiry)
        } else {
            agents[a].filters.insert(FilterEntry(client: client, expiry: expiry), at: index)
            heldAgents[Int(client)].insert(agent)
        }
        agents[a].earliestExpiry = Swift.min(agents[a].earliestExpiry, expiry)
    }

    @inline(__always)
    func filterIndex(agent: Int, client: Int32) -> Int {
        let filters = agents[agent].filters
        var low = 0
        var high = filters.count
        while low < high {
            let mid = (low + high) / 2
            if filters[mid].client < client { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// Whether an unexpired filter keeps `client` away from `agent` at `now`.
    @inline(__always)
    func isFiltered(agent: Int, client: Int32, now: Int64) -> Bool {
        let filters = agents[agent].filters
        if filters.isEmpty { return false }
        var low = 0
        var high = filters.count
        while low < high {
            let mid = (low + high) / 2
            if filters[mid].client < client { low = mid + 1 } else { high = mid }
        }
        return low < filters.count && filters[low].client == client && filters[low].expiry > now
    }

    /// Drops the agent's expired filters; called only when the earliest expiry has passed, so it is rare.
    mutating func pruneFilters(agent: Int, now: Int64) {
        let expired = agents[agent].filters.filter { $0.expiry <= now }.map(\.client)
        agents[agent].filters.removeAll { $0.expiry <= now }
        agents[agent].earliestExpiry = agents[agent].filters.map(\.expiry).min() ?? Int64.max
        for client in expired { refreshHeld(agent: Int32(agent), client: client) }
    }

    /// Drops the filters of `clients` on `agent`.
    mutating func removeFilters(agent: Int32, of clients: Set<Int32>) {
        let a = Int(agent)
        guard !agents[a].filters.isEmpty else { return }
        agents[a].filters.removeAll { clients.contains($0.client) }
        agents[a].earliestExpiry = agents[a].filters.map(\.expiry).min() ?? Int64.max
    }
}
