import KeelCore
import Testing
@testable import KeelAllocator

@Suite struct FrameworkRemovalTests {
    /// Removing a framework frees what it held on those agents alone: they are the only ones allocated again at once
    /// (to the framework left), with no cycle over every agent, and its filters go with it.
    @Test func removalMakesOnlyTheAgentsItHeldPending() throws {
        var allocator = HierarchicalDRFAllocator(configuration: AllocatorConfiguration(clock: ManualClock()))
        let a = FrameworkID("A"), b = FrameworkID("B")
        for id in [a, b] { try allocator.addFramework(id, config: FrameworkConfig(roles: [.any])) }
        let agents = (0..<40).map { AgentID("agent-\($0)") }
        for id in agents { try allocator.addAgent(id, info: AgentInfo(resources: try Resources.parse("cpus:1;mem:128"))) }
        let offers = allocator.allocate()
        let heldByA = Set(offers.filter { $0.frameworkID == a }.map(\.agentID))
        #expect(offers.count == agents.count && !heldByA.isEmpty && heldByA.count < agents.count)
        // A declines one of its agents for an hour: a filter, and nothing held there any more.
        let declined = try #require(offers.first { $0.frameworkID == a })
        try allocator.recoverResources(framework: a, agent: declined.agentID, role: declined.role,
                                       resources: declined.resources, filter: .seconds(3_600))
        _ = allocator.allocatePending()  // B takes the declined agent
        #expect(allocator.engine.heldAgents.map(\.count).reduce(0, +) == agents.count + 1)

        try allocator.removeFramework(a)
        let cycleOverEveryAgent = allocator.engine.pendingAll
        #expect(!cycleOverEveryAgent)
        let pending = Set(allocator.engine.pendingAgents.map { allocator.engine.agents[Int($0)].id })
        #expect(pending == heldByA.subtracting([declined.agentID]))
        let again = allocator.allocatePending()
        #expect(Set(again.map(\.agentID)) == pending && again.allSatisfy { $0.frameworkID == b })
        #expect(allocator.engine.heldAgents.map(\.count).reduce(0, +) == agents.count, "only B's, one per agent")
        #expect(allocator.invariantViolations().isEmpty)
    }
}
