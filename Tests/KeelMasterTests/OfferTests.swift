import KeelActors
import KeelAllocator
import KeelCore
import KeelProtocol
import Testing
@testable import KeelMaster

@Suite struct OfferTests {
    /// A decline with a refusal filter keeps the agent away from the framework until the filter expires on the
    /// master's clock; then the periodic allocation offers it again.
    @Test func declineFilterHoldsUntilItExpires() async throws {
        let cluster = try Cluster()
        let framework = try await cluster.framework("fw")
        _ = try await cluster.agent("agent-a")
        let offer = try #require(try await framework.offers().first)
        try await framework.master.decline(DeclineRequest(frameworkID: framework.id, offerIDs: [offer.id],
                                                          filters: Filters(refuseSeconds: 10)))
        await cluster.tick(after: .seconds(5))
        try await framework.fence("5s")
        #expect(await framework.events.drain { $0.offers != nil }.isEmpty)
        #expect(await cluster.state()?.offers.isEmpty == true)

        await cluster.tick(after: .seconds(6))
        let again = try #require(try await framework.offers().first)
        #expect(again.resources == offer.resources)
        #expect(again.id != offer.id)
        #expect(await cluster.violations().isEmpty)
        await cluster.shutdown()
    }

    /// Suppress stops offers; revive clears filters and resumes them at once.
    @Test func suppressAndRevive() async throws {
        let cluster = try Cluster()
        let framework = try await cluster.framework("fw")
        _ = try await cluster.agent("agent-a")
        let offer = try #require(try await framework.offers().first)
        try await framework.master.suppress(framework.id, roles: [])
        try await framework.master.decline(DeclineRequest(frameworkID: framework.id, offerIDs: [offer.id],
                                                          filters: Filters(refuseSeconds: 0)))
        await cluster.tick(after: .seconds(60))
        try await framework.fence("suppressed")
        #expect(await framework.events.drain { $0.offers != nil }.isEmpty)
        try await framework.master.revive(framework.id, roles: [])
        #expect(try #require(try await framework.offers().first).resources == offer.resources)
        await cluster.shutdown()
    }

    /// With an offer timeout configured, an unanswered offer is rescinded and its resources offered again.
    @Test func offerTimeoutRescinds() async throws {
        let cluster = try Cluster { $0.offerTimeout = .seconds(30) }
        let framework = try await cluster.framework("fw")
        _ = try await cluster.agent("agent-a")
        let offer = try #require(try await framework.offers().first)
        await cluster.tick(after: .seconds(29))
        #expect(await cluster.state()?.offers[offer.id] != nil)
        await cluster.tick(after: .seconds(1))
        guard case .rescind(let id)? = await framework.events.take(where: { if case .rescind = $0 { true } else { false } })
        else { Issue.record("no rescind"); return }
        #expect(id == offer.id)
        #expect(await cluster.state()?.offers[offer.id] == nil)
        await cluster.shutdown()
    }

    /// Two frameworks with equal weights alternate: of four equal agents each is offered two.
    @Test func equalWeightsGetEqualShares() async throws {
        let cluster = try Cluster()
        let first = try await cluster.framework("fw-a")
        let second = try await cluster.framework("fw-b")
        var agents: [AgentID] = []
        var owners: [FrameworkID] = []
        for index in 1...4 {
            let agent = try await cluster.agent("agent-\(index)", "cpus:2;mem:512")
            agents.append(agent.id)
            let state = try #require(await cluster.state())
            let owner = try #require(state.offers(onAgent: agent.id).first?.frameworkID)
            owners.append(owner)
        }
        let offersA = try await first.offers() + first.offers()
        let offersB = try await second.offers() + second.offers()
        #expect(offersA.count == 2 && offersB.count == 2)
        #expect(Set(offersA.map(\.agentID)).isDisjoint(with: offersB.map(\.agentID)))
        #expect(Set((offersA + offersB).map(\.agentID)) == Set(agents))
        // Each agent goes to the framework with the lower share: the owners alternate.
        for index in 1..<owners.count { #expect(owners[index] != owners[index - 1]) }
        #expect(await cluster.violations().isEmpty)
        await cluster.shutdown()
    }

    /// Schedulers hear a heartbeat every heartbeat interval of the master's clock, not before.
    @Test func heartbeatsFollowTheClock() async throws {
        let cluster = try Cluster { $0.heartbeatInterval = .seconds(15) }
        let framework = try await cluster.framework("fw")
        await cluster.tick(after: .seconds(14))
        try await framework.fence("14s")
        #expect(await framework.events.drain { if case .heartbeat = $0 { true } else { false } }.isEmpty)
        await cluster.tick(after: .seconds(1))
        #expect(await framework.events.take { if case .heartbeat = $0 { true } else { false } } != nil)
        await cluster.shutdown()
    }

    /// Events handled together share one allocation cycle, run after them: eight revives in one job of the master
    /// make one cycle (each ran a cycle over every agent before), and its offer goes to one of them.
    @Test func eventsHandledTogetherShareOneAllocationCycle() async throws {
        let cluster = try Cluster()
        var frameworks: [Cluster.Framework] = []
        for index in 0..<8 {
            let framework = try await cluster.framework("fw-\(index)")
            try await framework.master.suppress(framework.id, roles: [])
            frameworks.append(framework)
        }
        _ = try await cluster.agent("agent-a")
        let before = try #require(await cluster.master.whenLocal { $0.allocationRuns })
        #expect(await cluster.state()?.offers.isEmpty == true)
        let ids = frameworks.map(\.id)
        try await cluster.master.whenLocal { master in
            for id in ids { try await master.revive(id, roles: []) }
            #expect(master.state.offers.isEmpty, "the cycle runs after the events, not inside each")
        }
        // A later job of the master runs after the queued cycle.
        #expect(await cluster.master.whenLocal { $0.allocationRuns } == before + 1)
        let offers = try #require(await cluster.state()?.offers)
        #expect(offers.count == 1 && ids.contains(offers.values.first?.offer.frameworkID ?? FrameworkID("none")))
        #expect(await cluster.violations().isEmpty)
        await cluster.shutdown()
    }
}

