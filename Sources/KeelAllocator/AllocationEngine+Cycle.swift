import KeelCore

extension AllocationEngine {
    /// Per-cycle state that must not outlive the cycle (compiled regular expressions are not `Sendable`).
    struct CycleContext {
        var now: Int64
        var regexes: [String: Regex<AnyRegexOutput>] = [:]
        var offers: [Offer] = []
        var headroom = false
        /// Clients already served on the current agent, so a restarted walk does not revisit them.
        var served: ContiguousArray<Int32> = []
    }

    mutating func allocateAll() -> [Offer] {
        let visit = liveAgents
        return runCycle(visit)
    }

    mutating func allocatePendingAgents() -> [Offer] {
        if pendingAll { return allocateAll() }
        let visit = pendingAgents.filter { agents[Int($0)].live }
        return runCycle(ContiguousArray(visit))
    }

    var hasPending: Bool { pendingAll || !pendingAgents.isEmpty }

    mutating func runCycle(_ visit: ContiguousArray<Int32>) -> [Offer] {
        if sharesDirty { refreshAllShares() }
        var context = CycleContext(now: clock.now().nanoseconds)
        for client in clients where client.live && client.listed {
            for case .matches(_, let pattern) in client.constraints where context.regexes[pattern] == nil {
                context.regexes[pattern] = try? Regex(pattern)
            }
        }
        var order = visit
        if shuffleAgents && order.count > 1 {
            for index in Swift.stride(from: order.count - 1, to: 0, by: -1) {
                order.swapAt(index, random.next(below: index + 1))
            }
        }
        let stageOne = hasUnmetGuarantee()
        if stageOne {
            for agent in order { allocate(on: agent, stage: .guarantee, context: &context) }
            context.headroom = hasUnmetGuarantee()
        }
        for agent in order { allocate(on: agent, stage: .general, context: &context) }
        for agent in pendingAgents { agents[Int(agent)].pending = false }
        pendingAgents.removeAll(keepingCapacity: true)
        pendingAll = false
        return stageOne ? merged(context.offers) : context.offers
    }

    /// Joins the stage-one and stage-two offers for the same (framework, agent, role).
    func merged(_ offers: [Offer]) -> [Offer] {
        var index: [Offer.Key: Int] = [:]
        var result: [Offer] = []
        for offer in offers {
            if let existing = index[offer.key] {
                result[existing].resources += offer.resources
            } else {
                index[offer.key] = result.count
                result.append(offer)
            }
        }
        return result
    }

    mutating func allocate(on agent: Int32, stage: Stage, context: inout CycleContext) {
        let a = Int(agent)
        guard agents[a].live, agents[a].active, !agents[a].free.isEmpty else { return }
        if agents[a].earliestExpiry <= context.now { pruneFilters(agent: a, now: context.now) }
        // Filters are unique per client and unexpired now, so this many means every client refused the agent:
        // the common state late in Mesos' DeclineOffers benchmark, skipped in O(1).
        if agents[a].filters.count >= liveClientCount { return }
        let leaves = policy == .weightedRandom ? randomLeaves() : orderedLeaves()
        context.served.removeAll(keepingCapacity: true)
        for leaf in leaves {
            let node = nodes[Int(leaf)].partner
            if stage == .guarantee && !nodes[Int(node)].guaranteedPath { continue }
            if policy == .weightedRandom {
                walkRandomly(leaf: leaf, node: node, agent: a, stage: stage, context: &context)
            } else {
                walkInOrder(leaf: leaf, node: node, agent: a, stage: stage, context: &context)
            }
            if agents[a].free.isEmpty { return }
        }
    }

    /// Offers the agent to the leaf's clients in ascending share order; after each allocation the order has
    /// changed, so the walk restarts (skipping served clients) — it ends as soon as the agent is exhausted.
    mutating func walkInOrder(leaf: Int32, node: Int32, agent: Int, stage: Stage, context: inout CycleContext) {
        var block = 0
        var index = 0
        var caps = caps(for: node, stage: stage, headroom: context.headroom)
        while let found = firstEligible(leaf: Int(leaf), agent: agent, block: block, index: index, context: context) {
            if tryAllocate(agent: agent, client: found.client, caps: caps, stage: stage, context: &context) {
                if agents[agent].free.isEmpty { return }
                context.served.append(found.client)
                caps = self.caps(for: node, stage: stage, headroom: context.headroom)
                block = 0
                index = 0
            } else {
                block = found.block
                index = found.index + 1
            }
        }
    }

    /// Visits the leaf's clients from a uniformly random start with a random stride coprime to the count, so
    /// every client is visited once and each is equally likely to be asked first.
    mutating func walkRandomly(leaf: Int32, node: Int32, agent: Int, stage: Stage, context: inout CycleContext) {
        let members = nodes[Int(leaf)].members
        let count = members.count
        guard count > 0 else { return }
        let start = random.next(below: count)
        var step = count > 1 ? 1 + random.next(below: count - 1) : 1
        while greatestCommonDivisor(step, count) != 1 { step += 1 }
        var caps = caps(for: node, stage: stage, headroom: context.headroom)
        for visit in 0..<count {
            let client = members[(start + visit * step) % count]
            guard isEligible(client: client, agent: agent, context: context) else { continue }
            if tryAllocate(agent: agent, client: client, caps: caps, stage: stage, context: &context) {
                if agents[agent].free.isEmpty { return }
                caps = self.caps(for: node, stage: stage, headroom: context.headroom)
            }
        }
    }

    func greatestCommonDivisor(_ a: Int, _ b: Int) -> Int {
        var (x, y) = (a, b)
        while y != 0 { (x, y) = (y, x % y) }
        return x
    }

    /// The first client at or after (block, index) that no filter, GPU rule or constraint excludes.
    func firstEligible(
        leaf: Int, agent: Int, block: Int, index: Int, context: CycleContext
    ) -> (client: Int32, block: Int, index: Int)? {
        let blocks = nodes[leaf].order.blocks
        var b = block
        var i = index
        while b < blocks.count {
            let entries = blocks[b]
            while i < entries.count {
                let client = entries[i].id
                if isEligible(client: client, agent: agent, context: context) { return (client, b, i) }
                i += 1
            }
            b += 1
            i = 0
        }
        return nil
    }

    @inline(__always)
    func isEligible(client: Int32, agent: Int, context: CycleContext) -> Bool {
        if isFiltered(agent: agent, client: client, now: context.now) { return false }
        let c = Int(client)
        if agents[agent].hasGPU && !clients[c].gpuCapable { return false }
        if !context.served.isEmpty && context.served.contains(client) { return false }
        if !clients[c].constraints.isEmpty {
            for constraint in clients[c].constraints {
                var regex: Regex<AnyRegexOutput>?
                if case .matches(_, let pattern) = constraint { regex = context.regexes[pattern] }
                if !constraint.isSatisfied(by: agents[agent].attributes, hasGPU: agents[agent].hasGPU, regex: regex) {
                    return false
                }
            }
        }
        return true
    }

    /// Offers the client everything on the agent it may have (reservations and caps permitting) if that meets
    /// its minimum; returns whether an offer was made.
    mutating func tryAllocate(
        agent: Int, client: Int32, caps: ContiguousArray<Int64>?, stage: Stage, context: inout CycleContext
    ) -> Bool {
        let c = Int(client)
        var offerable = agents[agent].free
        if agents[agent].hasReservations { offerable = offerable.allocatable(to: clients[c].role) }
        if let caps { offerable = applying(caps, to: offerable) }
        guard !offerable.isEmpty else { return false }
        loadScratch(offerable)
        guard meetsMinimum(clients[c].minimum ?? globalMinimum) else { return false }
        let slot = Int32(agent)
        applyRows(agent: slot, client: client, sign: 1, touchAgent: true)
        agents[agent].free = agents[agent].free - offerable
        if let index = agents[agent].ledger.firstIndex(where: { $0.client == client }) {
            agents[agent].ledger[index].resources += offerable
        } else {
            agents[agent].ledger.append(LedgerEntry(client: client, resources: offerable))
            heldAgents[c].insert(slot)
        }
        context.offers.append(Offer(frameworkID: frameworks[Int(clients[c].framework)].id,
                                    agentID: agents[agent].id, role: clients[c].role, resources: offerable))
        return true
    }

    /// Whether the scratch row holds at least one of the minimum quantity sets (any offer, if there are none).
    @inline(__always)
    func meetsMinimum(_ sets: [[(kind: Int, milli: Int64)]]) -> Bool {
        if sets.isEmpty { return true }
        for set in sets where set.allSatisfy({ $0.kind >= 0 && scratchAll[$0.kind] >= $0.milli }) { return true }
        return false
    }
}

extension Offer {
    /// Identifies the (framework, agent, role) an offer is for.
    struct Key: Hashable {
        var framework: FrameworkID
        var agent: AgentID
        var role: Role
    }

    var key: Key { Key(framework: frameworkID, agent: agentID, role: role) }
}
