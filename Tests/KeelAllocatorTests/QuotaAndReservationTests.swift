import KeelAllocator
import KeelCore
import Testing

@Suite struct QuotaAndReservationTests {
    /// Five greedy frameworks in a low-share role would win every DRF comparison, but `prod`'s guarantee is
    /// served first.
    @Test func quotaGuaranteeIsHonouredUnderContention() throws {
        var allocator = HierarchicalDRFAllocator(configuration: configuration(shuffle: true))
        let prod = try role("prod")
        try allocator.updateQuota(prod, Quota(guarantee: try ResourceQuantities.parse("cpus:6")))
        for index in 0..<5 {
            try allocator.addFramework(FrameworkID("dev\(index)"), config: FrameworkConfig(roles: [try role("dev")]))
        }
        try allocator.addFramework(FrameworkID("prod"), config: FrameworkConfig(roles: [prod]))
        for index in 0..<10 {
            try allocator.addAgent(AgentID("s\(index)"), info: AgentInfo(resources: try resources("cpus:1;mem:1024")))
        }
        let offers = allocator.allocate()
        let prodCPUs = offers.filter { $0.role == prod }.reduce(Quantity.zero) { $0 + $1.resources.scalar(named: "cpus") }
        #expect(prodCPUs >= Quantity(6))
        #expect(allocator.invariantViolations().isEmpty)
    }

    @Test func headroomIsHeldBackForUnmetGuarantees() throws {
        var allocator = HierarchicalDRFAllocator(configuration: configuration())
        let prod = try role("prod")
        try allocator.updateQuota(prod, Quota(guarantee: try ResourceQuantities.parse("cpus:6")))
        try allocator.addFramework(FrameworkID("prod"), config: FrameworkConfig(roles: [prod]),
                                   suppressedRoles: [prod])
        try allocator.addFramework(FrameworkID("dev"), config: FrameworkConfig(roles: [try role("dev")]))
        for index in 0..<10 {
            try allocator.addAgent(AgentID("s\(index)"), info: AgentInfo(resources: try resources("cpus:1;mem:1024")))
        }
        let offers = allocator.allocate()
        let devCPUs = offers.reduce(Quantity.zero) { $0 + $1.resources.scalar(named: "cpus") }
        #expect(devCPUs == Quantity(4))
        // Once prod asks, the held-back headroom is there for it.
        try allocator.reviveOffers(framework: FrameworkID("prod"), roles: [prod])
        let prodOffers = allocator.allocate()
        #expect(prodOffers.reduce(Quantity.zero) { $0 + $1.resources.scalar(named: "cpus") } == Quantity(6))
    }

    @Test func quotaLimitIsNeverExceeded() throws {
        var allocator = HierarchicalDRFAllocator(configuration: configuration())
        let batch = try role("batch")
        try allocator.updateQuota(batch, Quota(limit: try ResourceQuantities.parse("cpus:2.5")))
        try allocator.addFramework(FrameworkID("b"), config: FrameworkConfig(roles: [batch]))
        for index in 0..<4 {
            try allocator.addAgent(AgentID("s\(index)"), info: AgentInfo(resources: try resources("cpus:1;mem:1024")))
        }
        var total = Quantity.zero
        for _ in 0..<5 {
            for offer in allocator.allocate() { total += offer.resources.scalar(named: "cpus") }
        }
        #expect(total == (try Quantity.parse("2.5")))
        let state = allocator.snapshot().roles.first { $0.role == batch }
        #expect(state?.consumed["cpus"] == (try Quantity.parse("2.5")))
        #expect(throws: AllocatorError.self) {
            try allocator.updateQuota(batch, Quota(guarantee: try ResourceQuantities.parse("cpus:3"),
                                                   limit: try ResourceQuantities.parse("cpus:2")))
        }
    }

    @Test func reservationsGoOnlyToTheRoleAndItsSubroles() throws {
        var allocator = HierarchicalDRFAllocator(configuration: configuration())
        let eng = try role("eng")
        let web = try role("eng/web")
        try allocator.addFramework(FrameworkID("web"), config: FrameworkConfig(roles: [web]))
        try allocator.addFramework(FrameworkID("dev"), config: FrameworkConfig(roles: [try role("dev")]))
        try allocator.addAgent(AgentID("r"), info: AgentInfo(resources: try resources("cpus(eng):4;mem(eng):4096")))
        let offers = allocator.allocate()
        #expect(offers.count == 1)
        #expect(offers.first?.frameworkID == FrameworkID("web"))
        #expect(offers.first?.resources.reserved(for: eng).scalar(named: "cpus") == Quantity(4))
    }

    /// Random clusters mixing reservations for several roles: no offer ever carries resources reserved to a
    /// role the receiving role is not within.
    @Test func reservationsNeverLeak() throws {
        var random = SplitMix64(seed: 99)
        let roles = [try role("eng"), try role("eng/web"), try role("ops"), try role("dev")]
        for _ in 0..<20 {
            var allocator = HierarchicalDRFAllocator(configuration: configuration(shuffle: true,
                                                                                  seed: random.next()))
            for index in 0..<6 {
                let subscribed = [roles[random.next(below: roles.count)], .any]
                try allocator.addFramework(FrameworkID("f\(index)"), config: FrameworkConfig(roles: subscribed))
            }
            for index in 0..<15 {
                var text = "cpus:\(random.next(below: 3) + 1);mem:1024"
                let reserved = roles[random.next(below: roles.count)]
                text += ";cpus(\(reserved.name)):2;mem(\(reserved.name)):512"
                try allocator.addAgent(AgentID("s\(index)"), info: AgentInfo(resources: try resources(text)))
            }
            for _ in 0..<4 {
                let offers = allocator.allocate()
                for offer in offers {
                    for resource in offer.resources {
                        if let reservation = resource.reservation {
                            #expect(offer.role.isWithin(reservation.role))
                        }
                    }
                }
                try declineAll(offers.filter { _ in random.next(below: 2) == 0 }, &allocator, filter: nil)
            }
            #expect(allocator.invariantViolations().isEmpty)
        }
    }

    @Test func transformingAnAllocationReservesIt() throws {
        var allocator = HierarchicalDRFAllocator(configuration: configuration())
        let eng = try role("eng")
        let f = FrameworkID("f")
        try allocator.addFramework(f, config: FrameworkConfig(roles: [eng]))
        try allocator.addAgent(AgentID("a"), info: AgentInfo(resources: try resources("cpus:4;mem:4096")))
        let offer = try #require(allocator.allocate().first)
        try allocator.transformAllocation(framework: f, agent: offer.agentID, role: eng,
                                          from: try resources("cpus:2"), to: try resources("cpus(eng):2"))
        let agent = try #require(allocator.snapshot().agents.first)
        #expect(agent.total == (try resources("cpus:2;cpus(eng):2;mem:4096")))
        #expect(allocator.snapshot().roles.first { $0.role == eng }?.consumed["cpus"] == Quantity(4))
        #expect(allocator.invariantViolations().isEmpty)
        #expect(throws: AllocatorError.self) {
            try allocator.transformAllocation(framework: f, agent: offer.agentID, role: eng,
                                              from: try resources("cpus:1"), to: try resources("cpus(eng):2"))
        }
    }
}
