import KeelCore

/// A self-contained copy of an allocator's state: what each agent has and who holds it, what each framework
/// holds per role, and each role's weight, quota and consumption. Taking one is O(agents + allocations).
public struct AllocatorSnapshot: Sendable, Hashable, Codable {
    /// Resources held by one framework under one role on one agent.
    public struct Allocation: Sendable, Hashable, Codable {
        /// The holder.
        public var frameworkID: FrameworkID
        /// The role they are charged to.
        public var role: Role
        /// What is held (offered or in use).
        public var resources: Resources
    }

    /// One agent.
    public struct Agent: Sendable, Hashable, Codable {
        /// The agent.
        public var id: AgentID
        /// Whether its resources are being offered.
        public var active: Bool
        /// Everything it has.
        public var total: Resources
        /// What nobody holds; always `total` minus the sum of `allocations`.
        public var free: Resources
        /// Who holds the rest, sorted by framework then role.
        public var allocations: [Allocation]
    }

    /// One framework's standing in one role.
    public struct FrameworkRole: Sendable, Hashable, Codable {
        /// The role.
        public var role: Role
        /// Scalar totals held under the role, across agents.
        public var allocated: ResourceQuantities
        /// Dominant share of `allocated` against the cluster total.
        public var dominantShare: Double
        /// Whether the framework is subscribed to it (it may still hold resources after leaving it).
        public var subscribed: Bool
        /// Whether offers for it are suppressed.
        public var suppressed: Bool
    }

    /// One framework.
    public struct Framework: Sendable, Hashable, Codable {
        /// The framework.
        public var id: FrameworkID
        /// `false` while only known from an agent's report of used resources.
        public var registered: Bool
        /// Whether it receives offers.
        public var active: Bool
        /// Per-role standing, sorted by role.
        public var roles: [FrameworkRole]
    }

    /// One role (including intermediate roles of a hierarchy).
    public struct RoleState: Sendable, Hashable, Codable {
        /// The role.
        public var role: Role
        /// Its weight.
        public var weight: Double
        /// Scalars allocated to the role's subtree.
        public var allocated: ResourceQuantities
        /// Quota consumption: reserved to the subtree plus allocated unreserved.
        public var consumed: ResourceQuantities
        /// Weighted dominant share of `allocated`.
        public var share: Double
        /// Its quota, if any.
        public var quota: Quota?
    }

    /// Agents sorted by ID.
    public var agents: [Agent]
    /// Frameworks sorted by ID.
    public var frameworks: [Framework]
    /// Roles sorted by name.
    public var roles: [RoleState]
    /// Scalar totals of the whole cluster.
    public var total: ResourceQuantities
}

extension AllocationEngine {
    func quantities(_ storage: ContiguousArray<Int64>, row: Int) -> ResourceQuantities {
        ResourceQuantities(kindNames.indices.map { (kindNames[$0], Quantity(milli: storage[row * stride + $0])) })
    }

    /// The dominant share computed from current totals (cached shares may lag until the next cycle).
    func currentShare(_ storage: ContiguousArray<Int64>, row: Int) -> Double {
        var best = 0.0
        for kind in kindNames.indices where clusterTotal[kind] > 0 && !excludedKinds.contains(kindNames[kind]) {
            best = Swift.max(best, Double(storage[row * stride + kind]) / Double(clusterTotal[kind]))
        }
        return best
    }

    func snapshot() -> AllocatorSnapshot {
        let agentStates = liveAgents.map { slot -> AllocatorSnapshot.Agent in
            let record = agents[Int(slot)]
            let allocations = record.ledger.map { entry in
                AllocatorSnapshot.Allocation(frameworkID: frameworks[Int(clients[Int(entry.client)].framework)].id,
                                             role: clients[Int(entry.client)].role, resources: entry.resources)
            }.sorted { ($0.frameworkID, $0.role) < ($1.frameworkID, $1.role) }
            return AllocatorSnapshot.Agent(id: record.id, active: record.active, total: record.total,
                                           free: record.free, allocations: allocations)
        }.sorted { $0.id < $1.id }
        let frameworkStates = frameworks.filter(\.live).map { record in
            AllocatorSnapshot.Framework(
                id: record.id, registered: record.registered, active: record.active,
                roles: record.clients.map { entry in
                    let client = clients[Int(entry.client)]
                    return AllocatorSnapshot.FrameworkRole(
                        role: entry.role, allocated: quantities(clientAlloc, row: Int(entry.client)),
                        dominantShare: currentShare(clientAlloc, row: Int(entry.client)),
                        subscribed: client.subscribed, suppressed: client.suppressed)
                }.sorted { $0.role < $1.role })
        }.sorted { $0.id < $1.id }
        let roleStates = roleNodes.map { role, node in
            var consumed = ResourceQuantities()
            for kind in kindNames.indices { consumed[kindNames[kind]] = Quantity(milli: self.consumed(node, kind)) }
            return AllocatorSnapshot.RoleState(
                role: role, weight: nodes[Int(node)].weight, allocated: quantities(nodeAlloc, row: Int(node)),
                consumed: consumed, share: currentShare(nodeAlloc, row: Int(node)) / nodes[Int(node)].weight,
                quota: quotas[role])
        }.sorted { $0.role < $1.role }
        return AllocatorSnapshot(agents: agentStates, frameworks: frameworkStates, roles: roleStates,
                                 total: quantities(clusterTotal, row: 0))
    }

    /// Cross-checks every redundant structure against the ledgers; an empty result means consistent.
    func invariantViolations() -> [String] {
        var problems: [String] = []
        var clientSums = ContiguousArray<Int64>(repeating: 0, count: clients.count * stride)
        var freeUnreserved = ContiguousArray<Int64>(repeating: 0, count: stride)
        var totals = ContiguousArray<Int64>(repeating: 0, count: stride)
        for slot in liveAgents {
            let record = agents[Int(slot)]
            var allocated = Resources()
            for entry in record.ledger {
                allocated += entry.resources
                for resource in entry.resources {
                    if case .scalar(let amount) = resource.value, let kind = kindIndex(resource.name) {
                        clientSums[Int(entry.client) * stride + kind] += amount.milli
                    }
                }
            }
            if allocated + record.free != record.total {
                problems.append("agent \(record.id): allocated \(allocated) + free \(record.free) ≠ \(record.total)")
            }
            for kind in kindNames.indices {
                let free = record.free.scalar(named: kindNames[kind]).milli
                if agentFree[Int(slot) * stride + kind] != free {
                    problems.append("agent \(record.id): free row for \(kindNames[kind]) is stale")
                }
                freeUnreserved[kind] += record.free.unreserved.scalar(named: kindNames[kind]).milli
                totals[kind] += record.total.scalar(named: kindNames[kind]).milli
            }
        }
        var held = [Set<Int32>](repeating: [], count: clients.count)
        for slot in liveAgents {
            for entry in agents[Int(slot)].ledger { held[Int(entry.client)].insert(slot) }
            for filter in agents[Int(slot)].filters { held[Int(filter.client)].insert(slot) }
        }
        for index in clients.indices where heldAgents[index] != held[index] {
            problems.append("client \(index) (\(clients[index].role)): held agents \(heldAgents[index].sorted()), "
                            + "ledgers and filters say \(held[index].sorted())")
        }
        for index in clients.indices where clients[index].live {
            let base = index * stride
            for kind in kindNames.indices where clientSums[base + kind] != clientAlloc[base + kind] {
                problems.append("client \(index) (\(clients[index].role)): allocation row for \(kindNames[kind])")
            }
        }
        for kind in kindNames.indices {
            if totals[kind] != clusterTotal[kind] { problems.append("cluster total of \(kindNames[kind])") }
            if freeUnreserved[kind] != clusterFreeUnreserved[kind] {
                problems.append("cluster free unreserved \(kindNames[kind])")
            }
        }
        return problems
    }
}
