import KeelAllocator
import KeelCore
import Testing

@Suite struct HierarchicalDRFAllocatorTests {
    /// Ghodsi et al., "Dominant Resource Fairness" §4: 9 CPUs / 18 GB, A's tasks ⟨1 CPU, 4 GB⟩, B's ⟨3 CPU, 1 GB⟩.
    @Test func drfPaperExample() throws {
        var allocator = HierarchicalDRFAllocator(configuration: configuration())
        let a = FrameworkID("A")
        let b = FrameworkID("B")
        let taskA = try resources("cpus:1;mem:4096")
        let taskB = try resources("cpus:3;mem:1024")
        try allocator.addFramework(a, config: FrameworkConfig(minimumAllocatable: [.any: [taskA.quantities]]))
        try allocator.addFramework(b, config: FrameworkConfig(minimumAllocatable: [.any: [taskB.quantities]]))
        try allocator.addAgent(AgentID("s1"), info: AgentInfo(resources: try resources("cpus:9;mem:18432")))
        let tasks = try runTasks(&allocator, demands: [a: taskA, b: taskB])
        #expect(tasks[a] == 3)
        #expect(tasks[b] == 2)
        let snapshot = allocator.snapshot()
        #expect(abs(share(snapshot, a) - 2.0 / 3.0) < 1e-9)
        #expect(abs(share(snapshot, b) - 2.0 / 3.0) < 1e-9)
        #expect(allocator.invariantViolations().isEmpty)
    }

    @Test func weightsGiveProportionalDominantShares() throws {
        var allocator = HierarchicalDRFAllocator(configuration: configuration())
        let heavy = FrameworkID("heavy")
        let light = FrameworkID("light")
        let task = try resources("cpus:1;mem:256")
        try allocator.updateWeights([try role("gold"): 2, try role("bronze"): 1])
        try allocator.addFramework(heavy, config: FrameworkConfig(roles: [try role("gold")]))
        try allocator.addFramework(light, config: FrameworkConfig(roles: [try role("bronze")]))
        for index in 0..<30 {
            try allocator.addAgent(AgentID("s\(index)"), info: AgentInfo(resources: try resources("cpus:1;mem:256")))
        }
        let tasks = try runTasksPerRole(&allocator, task: task)
        #expect(tasks[heavy] == 20)
        #expect(tasks[light] == 10)
        let roles = allocator.snapshot().roles
        let gold = roles.first { $0.role.name == "gold" }?.allocated["cpus"] ?? .zero
        let bronze = roles.first { $0.role.name == "bronze" }?.allocated["cpus"] ?? .zero
        #expect(gold == Quantity(20) && bronze == Quantity(10))
    }

    /// Launches on every fitting offer (one task per agent), so role shares follow the weights exactly.
    func runTasksPerRole(_ allocator: inout HierarchicalDRFAllocator, task: Resources) throws -> [FrameworkID: Int] {
        var tasks: [FrameworkID: Int] = [:]
        for _ in 0..<100 {
            let offers = allocator.allocate()
            if offers.isEmpty { break }
            for offer in offers where offer.resources.contains(task) {
                tasks[offer.frameworkID, default: 0] += 1
                let left = offer.resources - task
                if !left.isEmpty {
                    try allocator.recoverResources(framework: offer.frameworkID, agent: offer.agentID,
                                                   role: offer.role, resources: left, filter: nil)
                }
            }
        }
        return tasks
    }

    @Test func hierarchicalSiblingsShareTheParentsEntitlement() throws {
        var allocator = HierarchicalDRFAllocator(configuration: configuration())
        let web = FrameworkID("web")
        let db = FrameworkID("db")
        let ops = FrameworkID("ops")
        try allocator.addFramework(web, config: FrameworkConfig(roles: [try role("eng/web")]))
        try allocator.addFramework(db, config: FrameworkConfig(roles: [try role("eng/db")]))
        try allocator.addFramework(ops, config: FrameworkConfig(roles: [try role("ops")]))
        for index in 0..<40 {
            try allocator.addAgent(AgentID("s\(index)"), info: AgentInfo(resources: try resources("cpus:1;mem:128")))
        }
        let offers = allocator.allocate()
        var perFramework: [FrameworkID: Int] = [:]
        for offer in offers { perFramework[offer.frameworkID, default: 0] += 1 }
        // `eng` and `ops` split the cluster evenly; `eng`'s half is split between its two subroles.
        #expect(perFramework[ops] == 20)
        #expect(perFramework[web] == 10)
        #expect(perFramework[db] == 10)
    }

    @Test func minimumAllocatableSuppressesTinyOffers() throws {
        var allocator = HierarchicalDRFAllocator(configuration: configuration())
        try allocator.addFramework(FrameworkID("f"), config: FrameworkConfig())
        try allocator.addAgent(AgentID("tiny"), info: AgentInfo(resources: try resources("cpus:0.001;mem:16")))
        try allocator.addAgent(AgentID("ok"), info: AgentInfo(resources: try resources("cpus:0.001;mem:64")))
        let offers = allocator.allocate()
        #expect(offers.map(\.agentID) == [AgentID("ok")])
    }

    @Test func offersAreMadeOncePerFrameworkAgentAndRole() throws {
        var allocator = HierarchicalDRFAllocator(configuration: configuration())
        try allocator.addFramework(FrameworkID("f"), config: FrameworkConfig())
        try allocator.addAgent(AgentID("a"), info: AgentInfo(resources: try resources("cpus:4;mem:4096")))
        let first = allocator.allocate()
        #expect(first.count == 1)
        #expect(first.first?.resources == (try resources("cpus:4;mem:4096")))
        // Everything is allocated now: a second cycle offers nothing.
        #expect(allocator.allocate().isEmpty)
    }

    @Test func recoveringUnallocatedResourcesThrowsAndChangesNothing() throws {
        var allocator = HierarchicalDRFAllocator(configuration: configuration())
        let f = FrameworkID("f")
        try allocator.addFramework(f, config: FrameworkConfig())
        try allocator.addAgent(AgentID("a"), info: AgentInfo(resources: try resources("cpus:4;mem:4096")))
        let offer = try #require(allocator.allocate().first)
        let before = allocator.snapshot()
        #expect(throws: AllocatorError.self) {
            try allocator.recoverResources(framework: f, agent: offer.agentID, role: .any,
                                           resources: try resources("cpus:5"), filter: nil)
        }
        #expect(throws: AllocatorError.unknownAgent(AgentID("zzz"))) {
            try allocator.recoverResources(framework: f, agent: AgentID("zzz"), role: .any,
                                           resources: try resources("cpus:1"), filter: nil)
        }
        #expect(allocator.snapshot() == before)
        #expect(throws: AllocatorError.duplicateFramework(f)) { try allocator.addFramework(f, config: FrameworkConfig()) }
    }

    @Test func removingAFrameworkFreesItsResources() throws {
        var allocator = HierarchicalDRFAllocator(configuration: configuration())
        try allocator.addFramework(FrameworkID("f"), config: FrameworkConfig())
        try allocator.addAgent(AgentID("a"), info: AgentInfo(resources: try resources("cpus:4;mem:4096")))
        #expect(allocator.allocate().count == 1)
        try allocator.removeFramework(FrameworkID("f"))
        try allocator.addFramework(FrameworkID("g"), config: FrameworkConfig())
        let offers = allocator.allocate()
        #expect(offers.map(\.frameworkID) == [FrameworkID("g")])
        #expect(allocator.invariantViolations().isEmpty)
    }

    @Test func agentsReportingUsedResourcesBeforeTheirFrameworkRegisters() throws {
        var allocator = HierarchicalDRFAllocator(configuration: configuration())
        let early = FrameworkID("early")
        try allocator.addAgent(AgentID("a"), info: AgentInfo(resources: try resources("cpus:4;mem:4096")),
                               used: [early: [.any: try resources("cpus:3;mem:1024")]])
        try allocator.addFramework(early, config: FrameworkConfig())
        let offer = try #require(allocator.allocate().first)
        #expect(offer.resources == (try resources("cpus:1;mem:3072")))
        #expect(allocator.snapshot().frameworks.first?.roles.first?.allocated["cpus"] == Quantity(4))
        #expect(allocator.invariantViolations().isEmpty)
    }

    @Test func attributeConstraintsAreEvaluatedInsideTheAllocator() throws {
        var allocator = HierarchicalDRFAllocator(configuration: configuration())
        let agents: [(String, String, String)] = [
            ("a1", "rack:r1;zone:us-east-1a;level:3", "cpus:1;mem:512"),
            ("a2", "rack:r2;zone:us-west-2b;level:7;ssd:true", "cpus:1;mem:512"),
            ("a3", "rack:r3;zone:eu-central-1a;level:5", "cpus:1;mem:512;gpus:1"),
        ]
        for (id, attributes, total) in agents {
            try allocator.addAgent(AgentID(id), info: AgentInfo(resources: try resources(total),
                                                               attributes: try Attributes.parse(attributes)))
        }
        func offered(_ constraints: [AttributeConstraint], gpu: Bool = false) throws -> Set<String> {
            var copy = allocator
            try copy.addFramework(FrameworkID("f"), config: FrameworkConfig(gpuCapable: gpu,
                                                                            constraints: [.any: constraints]))
            return Set(copy.allocate().map(\.agentID.value))
        }
        #expect(try offered([]) == ["a1", "a2"])
        #expect(try offered([], gpu: true) == ["a1", "a2", "a3"])
        #expect(try offered([.exists("ssd")]) == ["a2"])
        #expect(try offered([.absent("ssd")]) == ["a1"])
        #expect(try offered([.equals("rack", "r1")]) == ["a1"])
        #expect(try offered([.equals("level", "7")]) == ["a2"])
        #expect(try offered([.matches("zone", pattern: "us-.*")]) == ["a1", "a2"])
        #expect(try offered([.numeric("level", .greaterOrEqual, Quantity(5))], gpu: true) == ["a2", "a3"])
        #expect(try offered([.numeric("level", .less, Quantity(5)), .matches("zone", pattern: "us-.*")]) == ["a1"])
        #expect(try offered([.hasGPU(true)], gpu: true) == ["a3"])
        #expect(try offered([.hasGPU(false)], gpu: true) == ["a1", "a2"])
        #expect(throws: AllocatorError.self) {
            try allocator.addFramework(FrameworkID("bad"),
                                       config: FrameworkConfig(constraints: [.any: [.matches("zone", pattern: "(")]]))
        }
    }

    @Test func eventTriggeredAllocationVisitsOnlyTouchedAgents() throws {
        var allocator = HierarchicalDRFAllocator(configuration: configuration())
        let f = FrameworkID("f")
        try allocator.addFramework(f, config: FrameworkConfig())
        try allocator.addAgent(AgentID("a"), info: AgentInfo(resources: try resources("cpus:1;mem:512")))
        try allocator.addAgent(AgentID("b"), info: AgentInfo(resources: try resources("cpus:1;mem:512")))
        #expect(allocator.hasPendingAllocation)
        let offers = allocator.allocatePending()
        #expect(offers.count == 2)
        #expect(!allocator.hasPendingAllocation)
        let offerA = try #require(offers.first { $0.agentID == AgentID("a") })
        try allocator.recoverResources(framework: f, agent: offerA.agentID, role: .any, resources: offerA.resources,
                                       filter: nil)
        #expect(allocator.hasPendingAllocation)
        #expect(allocator.allocatePending().map(\.agentID) == [AgentID("a")])
    }

    @Test func deactivatedAgentsAndFrameworksGetNothing() throws {
        var allocator = HierarchicalDRFAllocator(configuration: configuration())
        let f = FrameworkID("f")
        try allocator.addFramework(f, config: FrameworkConfig())
        try allocator.addAgent(AgentID("a"), info: AgentInfo(resources: try resources("cpus:1;mem:512")))
        try allocator.deactivateAgent(AgentID("a"))
        #expect(allocator.allocate().isEmpty)
        try allocator.activateAgent(AgentID("a"))
        try allocator.deactivateFramework(f)
        #expect(allocator.allocate().isEmpty)
        try allocator.activateFramework(f)
        #expect(allocator.allocate().count == 1)
    }
}
