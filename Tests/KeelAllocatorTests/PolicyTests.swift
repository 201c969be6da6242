import KeelAllocator
import KeelCore
import Testing

@Suite struct PolicyTests {
    @Test func strictPriorityServesTheHeaviestRoleFirst() throws {
        var allocator = StrictPriorityAllocator(configuration: configuration())
        try allocator.updateWeights([try role("high"): 10, try role("low"): 1])
        try allocator.addFramework(FrameworkID("low"), config: FrameworkConfig(roles: [try role("low")]))
        try allocator.addFramework(FrameworkID("high"), config: FrameworkConfig(roles: [try role("high")]))
        for index in 0..<5 {
            try allocator.addAgent(AgentID("s\(index)"), info: AgentInfo(resources: try resources("cpus:1;mem:512")))
        }
        let offers = allocator.allocate()
        #expect(offers.count == 5)
        #expect(offers.allSatisfy { $0.frameworkID == FrameworkID("high") })
        try allocator.suppressOffers(framework: FrameworkID("high"), roles: nil)
        try declineAll(offers, &allocator, filter: nil)
        #expect(allocator.allocate().allSatisfy { $0.frameworkID == FrameworkID("low") })
    }

    @Test func weightedRandomIsSeededAndFollowsWeights() throws {
        func run(seed: UInt64) throws -> [Offer] {
            var allocator = WeightedRandomAllocator(configuration: configuration(shuffle: true, seed: seed))
            try allocator.updateWeights([try role("a"): 3, try role("b"): 1])
            for index in 0..<4 {
                try allocator.addFramework(FrameworkID("a\(index)"), config: FrameworkConfig(roles: [try role("a")]))
                try allocator.addFramework(FrameworkID("b\(index)"), config: FrameworkConfig(roles: [try role("b")]))
            }
            for index in 0..<2_000 {
                try allocator.addAgent(AgentID("s\(index)"),
                                       info: AgentInfo(resources: try resources("cpus:1;mem:512")))
            }
            return allocator.allocate()
        }
        let first = try run(seed: 1)
        #expect(try run(seed: 1) == first)
        #expect(try run(seed: 2) != first)
        let toA = first.filter { $0.role.name == "a" }.count
        // Expected 1,500 of 2,000; ±100 is more than 4 standard deviations (σ ≈ 19).
        #expect(abs(toA - 1_500) < 100)
        var perFramework: [FrameworkID: Int] = [:]
        for offer in first where offer.role.name == "a" { perFramework[offer.frameworkID, default: 0] += 1 }
        #expect(perFramework.count == 4)
        #expect(perFramework.values.allSatisfy { abs($0 - toA / 4) < 100 })
    }

    @Test func drfIsDeterministicForASeed() throws {
        func run() throws -> [Offer] {
            var allocator = HierarchicalDRFAllocator(configuration: configuration(shuffle: true, seed: 11))
            for index in 0..<7 { try allocator.addFramework(FrameworkID("f\(index)"), config: FrameworkConfig()) }
            for index in 0..<50 {
                try allocator.addAgent(AgentID("s\(index)"), info: AgentInfo(resources: try resources("cpus:2;mem:512")))
            }
            return allocator.allocate()
        }
        #expect(try run() == (try run()))
    }
}
