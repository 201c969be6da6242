import KeelAllocator
import KeelCore
import Testing

/// Seeded property tests: random clusters and random operation sequences, checking the invariants every
/// allocator promises after every step.
@Suite struct AllocatorPropertyTests {
    enum Kind: String, CaseIterable, Sendable {
        case drf, strictPriority, weightedRandom
    }

    static func make(_ kind: Kind, _ config: AllocatorConfiguration) -> any Allocator {
        switch kind {
        case .drf: HierarchicalDRFAllocator(configuration: config)
        case .strictPriority: StrictPriorityAllocator(configuration: config)
        case .weightedRandom: WeightedRandomAllocator(configuration: config)
        }
    }

    /// Every element of ranges and sets is counted, so overlap between offers shows up as a count mismatch.
    static func elementCount(_ resources: Resources) -> UInt64 {
        resources.reduce(0) { total, resource in
            switch resource.value {
            case .scalar: total
            case .ranges(let ranges): total + ranges.count
            case .set(let set): total + UInt64(set.items.count)
            }
        }
    }

    @Test(arguments: Kind.allCases, [UInt64(1), 2, 3, 4, 5])
    func invariantsHoldAfterRandomOperations(kind: Kind, seed: UInt64) async throws {
        var random = SplitMix64(seed: seed &* 0x9E37_79B9)
        let clock = ManualClock()
        var allocator = Self.make(kind, configuration(clock: clock, shuffle: true, seed: seed))
        let roles = [Role.any, try role("eng"), try role("eng/web"), try role("ops")]
        var frameworks: [FrameworkID] = []
        var agents: [AgentID] = []
        var outstanding: [Offer] = []
        var nextID = 0
        func randomAgentText() -> String {
            var text = "cpus:\(random.next(below: 8) + 1);mem:\(256 * (random.next(below: 16) + 1))"
            let low = 31_000 + random.next(below: 100)
            text += ";ports:[\(low)-\(low + random.next(below: 50))]"
            if random.next(below: 3) == 0 { text += ";cpus(\(roles[1 + random.next(below: 3)].name)):2" }
            if random.next(below: 5) == 0 { text += ";gpus:1" }
            if random.next(below: 4) == 0 { text += ";disks:{d1,d2}" }
            return text
        }
        for step in 0..<300 {
            // Let other tests' tasks run now and then: the suite shares the cooperative pool's two
            // threads, and seconds of uninterrupted allocation would stall tests waiting on timers.
            if step % 10 == 9 { await Task.yield() }
            switch random.next(below: 12) {
            case 0, 1:
                let id = FrameworkID("f\(nextID)")
                nextID += 1
                let subscribed = Array(Set((0...random.next(below: 2)).map { _ in roles[random.next(below: 4)] }))
                try allocator.addFramework(id, config: FrameworkConfig(roles: subscribed,
                                                                       gpuCapable: random.next(below: 2) == 0),
                                           active: true, suppressedRoles: [])
                frameworks.append(id)
            case 2, 3:
                let id = AgentID("a\(nextID)")
                nextID += 1
                try allocator.addAgent(id, info: AgentInfo(resources: try resources(randomAgentText())), used: [:])
                agents.append(id)
            case 4 where !agents.isEmpty && random.next(below: 3) == 0:
                let id = agents.remove(at: random.next(below: agents.count))
                try allocator.removeAgent(id)
                outstanding.removeAll { $0.agentID == id }
            case 5 where !frameworks.isEmpty && random.next(below: 3) == 0:
                let id = frameworks.remove(at: random.next(below: frameworks.count))
                try allocator.removeFramework(id)
                outstanding.removeAll { $0.frameworkID == id }
            case 6 where !frameworks.isEmpty:
                let id = frameworks[random.next(below: frameworks.count)]
                if random.next(below: 2) == 0 {
                    try allocator.suppressOffers(framework: id, roles: nil)
                } else {
                    try allocator.reviveOffers(framework: id, roles: nil)
                }
            case 7:
                try allocator.updateWeights([roles[random.next(below: 4)]: Double(random.next(below: 4) + 1)])
            case 8:
                let quota = Quota(guarantee: try ResourceQuantities.parse("cpus:\(random.next(below: 6))"),
                                  limit: random.next(below: 2) == 0 ? nil
                                      : try ResourceQuantities.parse("cpus:\(6 + random.next(below: 10))"))
                try allocator.updateQuota(roles[1 + random.next(below: 3)], random.next(below: 4) == 0 ? nil : quota)
            case 9:
                clock.advance(by: .seconds(Int64(random.next(below: 10))))
            default:
                try checkedAllocate(&allocator, outstanding: &outstanding)
            }
            // Return some outstanding offers: whole, partially (keeping the rest as "in use"), with or without
            // a filter.
            var kept: [Offer] = []
            for offer in outstanding {
                switch random.next(below: 4) {
                case 0:
                    try allocator.recoverResources(framework: offer.frameworkID, agent: offer.agentID,
                                                   role: offer.role, resources: offer.resources,
                                                   filter: random.next(below: 2) == 0 ? nil : .seconds(3))
                case 1:
                    let part = offer.resources.filter { entry in
                        if case .scalar = entry.value { return true } else { return false }
                    }
                    try allocator.recoverResources(framework: offer.frameworkID, agent: offer.agentID,
                                                   role: offer.role, resources: part, filter: nil)
                    var rest = offer
                    rest.resources = offer.resources - part
                    if !rest.resources.isEmpty { kept.append(rest) }
                default:
                    kept.append(offer)
                }
            }
            outstanding = kept
            let problems = allocator.invariantViolations()
            #expect(problems.isEmpty, "step \(step): \(problems)")
            for agent in allocator.snapshot().agents {
                let allocated = agent.allocations.reduce(Resources()) { $0 + $1.resources }
                #expect(allocated + agent.free == agent.total, "step \(step), agent \(agent.id)")
            }
        }
    }

    /// Allocates and checks: offers only come from free resources, no resource goes to two offers, and an
    /// offer's reserved resources belong to its role.
    func checkedAllocate(_ allocator: inout any Allocator, outstanding: inout [Offer]) throws {
        let before = Dictionary(uniqueKeysWithValues: allocator.snapshot().agents.map { ($0.id, $0) })
        let offers = allocator.allocate()
        var perAgent: [AgentID: [Offer]] = [:]
        for offer in offers { perAgent[offer.agentID, default: []].append(offer) }
        for (agentID, agentOffers) in perAgent {
            let agent = try #require(before[agentID])
            #expect(agent.active)
            let offered = agentOffers.reduce(Resources()) { $0 + $1.resources }
            #expect(agent.free.contains(offered), "offered \(offered) but only \(agent.free) was free")
            let summed = agentOffers.reduce(UInt64(0)) { $0 + Self.elementCount($1.resources) }
            #expect(summed == Self.elementCount(offered), "a range or set item was offered twice on \(agentID)")
            #expect(Set(agentOffers.map { "\($0.frameworkID)|\($0.role)" }).count == agentOffers.count)
            for offer in agentOffers {
                #expect(!offer.resources.isEmpty)
                for resource in offer.resources {
                    if let reservation = resource.reservation { #expect(offer.role.isWithin(reservation.role)) }
                }
            }
        }
        outstanding.append(contentsOf: offers)
    }

    /// Frameworks with identical demands end within one task's dominant share of each other.
    @Test(arguments: [UInt64(10), 20, 30, 40, 50, 60])
    func identicalDemandsEndWithinOneTaskOfEqualShare(seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        var allocator = HierarchicalDRFAllocator(configuration: configuration(shuffle: true, seed: seed))
        let cpus = random.next(below: 3) + 1
        let mem = 128 * (random.next(below: 8) + 1)
        let task = try resources("cpus:\(cpus);mem:\(mem)")
        let count = random.next(below: 6) + 2
        let ids = (0..<count).map { FrameworkID("f\($0)") }
        for id in ids {
            try allocator.addFramework(id, config: FrameworkConfig(minimumAllocatable: [.any: [task.quantities]]))
        }
        var totalCPU = 0
        var totalMem = 0
        for index in 0..<(random.next(below: 30) + 5) {
            let agentCPU = random.next(below: 16) + 1
            let agentMem = 256 * (random.next(below: 32) + 1)
            totalCPU += agentCPU
            totalMem += agentMem
            try allocator.addAgent(AgentID("s\(index)"),
                                   info: AgentInfo(resources: try resources("cpus:\(agentCPU);mem:\(agentMem)")))
        }
        let tasks = try runTasks(&allocator, demands: Dictionary(uniqueKeysWithValues: ids.map { ($0, task) }))
        let taskShare = max(Double(cpus) / Double(totalCPU), Double(mem) / Double(totalMem))
        let shares = ids.map { Double(tasks[$0] ?? 0) * taskShare }
        let spread = (shares.max() ?? 0) - (shares.min() ?? 0)
        #expect(spread <= taskShare + 1e-9, "tasks \(ids.map { tasks[$0] ?? 0 })")
        #expect(tasks.values.reduce(0, +) > 0)
    }
}
