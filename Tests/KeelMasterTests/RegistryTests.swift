import KeelActors
import KeelCodec
import KeelCore
import KeelProtocol
import Testing
@testable import KeelMaster

/// The registry behind the registrar: O(1) records, checks before writes, the sorted-array snapshot format.
@Suite struct RegistryTests {
    let actor = ActorID(node: NodeID(endpoint: Endpoint(host: "127.0.0.1", port: 5051), incarnation: 1), path: "agent")

    func admitted(_ n: Int) -> RegistrarRecord {
        .admitted(AgentID("m-S\(n)"), info: AgentInfo(hostname: "h\(n)", resources: Resources()), actor: actor)
    }

    @Test func checkAcceptsWhatApplyAcceptsAndChangesNothing() throws {
        var registry = Registry()
        try registry.check([admitted(1), .gone(AgentID("m-S1"), time: 1)])
        #expect(registry.agents.isEmpty)
        #expect(throws: RegistrarError.self) { try registry.check([.unreachable(AgentID("m-S2"), time: 1)]) }
        try registry.apply(admitted(1))
        try registry.check([.unreachable(AgentID("m-S1"), time: 2)])
        try registry.apply(.gone(AgentID("m-S1"), time: 3))
        try registry.apply(admitted(1))  // gone is terminal
        #expect(registry[AgentID("m-S1")]?.status == .gone && registry[AgentID("m-S1")]?.since == 3)
    }

    @Test func snapshotIsSortedByIDAndRoundTrips() throws {
        var registry = Registry()
        for n in [10, 9, 100, 1, 2] { try registry.apply(admitted(n)) }
        #expect(registry.agents.map(\.id.value) == ["m-S1", "m-S10", "m-S100", "m-S2", "m-S9"])
        let decoded = try BinaryDecoder().decode(Registry.self, from: try BinaryEncoder().encode(registry))
        #expect(decoded == registry && decoded.agents.map(\.id) == registry.agents.map(\.id))
    }

    @Test func registeringManyAgentsStaysLinear() throws {
        // 20,000 admissions took minutes when every record re-sorted (and the registrar copied) the whole registry.
        var registry = Registry()
        let start = ContinuousClock.now
        for n in 0..<20_000 { try registry.apply(admitted(n)) }
        #expect(registry[AgentID("m-S19999")] != nil)
        #expect(ContinuousClock.now - start < .seconds(5))
    }
}
