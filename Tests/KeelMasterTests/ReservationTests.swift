import KeelActors
import KeelAllocator
import KeelCore
import KeelProtocol
import Testing
@testable import KeelMaster

@Suite struct ReservationTests {
    /// RESERVE then LAUNCH on the reserved cpu in one accept: the agent applies the operation before running the
    /// task, the allocation is transformed without leaking, and the reserved cpu comes back reserved.
    @Test func reserveThenLaunchInOneAccept() async throws {
        let cluster = try Cluster()
        let role = try Role("eng")
        let framework = try await cluster.framework("fw", roles: [role])
        let agent = try await cluster.agent("agent-a", "cpus:4;mem:1024")
        let offer = try #require(try await framework.offers().first)
        #expect(offer.allocationRole == role)
        let reserved = try Resources.parse("cpus(eng,alice):1")
        let web = try task("web", on: agent.id, "cpus(eng,alice):1;mem:128")
        try await framework.master.accept(AcceptRequest(frameworkID: framework.id, offerIDs: [offer.id],
                                                        operations: [.reserve(reserved), .launch([web])],
                                                        filters: Filters(refuseSeconds: 0)))
        guard case .applyOperation(let operation)? = await agent.events.take(where: {
            if case .applyOperation = $0 { true } else { false }
        }) else { Issue.record("operation not applied"); return }
        #expect(operation == .reserve(reserved))
        #expect(try #require(await agent.events.take { $0.runTask != nil }?.runTask).task == web)
        #expect(try await framework.update(for: web.taskID).state == .staging)
        #expect(try #require(try await framework.offers().first).resources == (try Resources.parse("cpus:3;mem:896")))
        #expect(await cluster.violations().isEmpty)

        try await agent.send(.finished, task: web.taskID, framework: framework.id, uuid: 1)
        #expect(try await framework.update(for: web.taskID).state == .finished)
        let back = try #require(try await framework.offers().first)
        #expect(back.resources == (try Resources.parse("cpus(eng,alice):1;mem:128")))
        #expect(await cluster.state()?.agents[agent.id]?.info.resources == (try Resources.parse("cpus:3;mem:1024;cpus(eng,alice):1")))
        #expect(await cluster.violations().isEmpty)
        await cluster.shutdown()
    }
}
