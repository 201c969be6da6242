import KeelAllocator
import KeelCore
import Testing

@Suite struct FilterAndSuppressionTests {
    @Test func refuseFiltersExpireOnTheInjectedClock() throws {
        let clock = ManualClock()
        var allocator = HierarchicalDRFAllocator(configuration: configuration(clock: clock))
        let f = FrameworkID("f")
        try allocator.addFramework(f, config: FrameworkConfig())
        try allocator.addAgent(AgentID("a"), info: AgentInfo(resources: try resources("cpus:1;mem:512")))
        try declineAll(allocator.allocate(), &allocator, filter: .seconds(5))
        clock.advance(by: .seconds(4))
        #expect(allocator.allocate().isEmpty)
        clock.advance(by: .milliseconds(999))
        #expect(allocator.allocate().isEmpty)
        clock.advance(by: .milliseconds(1))
        #expect(allocator.allocate().map(\.frameworkID) == [f])
    }

    @Test func aFilteredAgentGoesToTheNextFramework() throws {
        let clock = ManualClock()
        var allocator = HierarchicalDRFAllocator(configuration: configuration(clock: clock))
        try allocator.addFramework(FrameworkID("a"), config: FrameworkConfig())
        try allocator.addFramework(FrameworkID("b"), config: FrameworkConfig())
        try allocator.addAgent(AgentID("s"), info: AgentInfo(resources: try resources("cpus:1;mem:512")))
        let first = allocator.allocate()
        #expect(first.map(\.frameworkID) == [FrameworkID("a")])
        try declineAll(first, &allocator, filter: .forever)
        #expect(allocator.allocate().map(\.frameworkID) == [FrameworkID("b")])
    }

    @Test func suppressStopsOffersAndReviveClearsFilters() throws {
        let clock = ManualClock()
        var allocator = HierarchicalDRFAllocator(configuration: configuration(clock: clock))
        let f = FrameworkID("f")
        try allocator.addFramework(f, config: FrameworkConfig())
        try allocator.addAgent(AgentID("a"), info: AgentInfo(resources: try resources("cpus:1;mem:512")))
        try allocator.suppressOffers(framework: f, roles: nil)
        #expect(allocator.allocate().isEmpty)
        try allocator.reviveOffers(framework: f, roles: nil)
        let offers = allocator.allocate()
        #expect(offers.count == 1)
        try declineAll(offers, &allocator, filter: .forever)
        #expect(allocator.allocate().isEmpty)
        try allocator.reviveOffers(framework: f, roles: [.any])
        #expect(allocator.allocate().count == 1)
        #expect(throws: AllocatorError.roleNotSubscribed(f, try role("other"))) {
            try allocator.suppressOffers(framework: f, roles: [try role("other")])
        }
    }

    @Test func suppressionIsPerRole() throws {
        var allocator = HierarchicalDRFAllocator(configuration: configuration())
        let f = FrameworkID("f")
        let a = try role("a")
        let b = try role("b")
        try allocator.addFramework(f, config: FrameworkConfig(roles: [a, b]))
        try allocator.suppressOffers(framework: f, roles: [a])
        for index in 0..<4 {
            try allocator.addAgent(AgentID("s\(index)"), info: AgentInfo(resources: try resources("cpus:1;mem:512")))
        }
        let offers = allocator.allocate()
        #expect(offers.count == 4)
        #expect(offers.allSatisfy { $0.role == b })
    }
}
