import Foundation
import KeelActors
import KeelAllocator
import KeelCodec
import KeelCore
import KeelProtocol
import KeelStorage
import Synchronization
import Testing
@testable import KeelMaster

/// The operator API: listings, durable weights and quotas, output relay, marking agents gone, and the
/// unreachable → gone expiry.
@Suite struct OperatorTests {
    func operatorStub(_ cluster: Cluster) async throws -> $OperatorService {
        let system = try cluster.node("operator")
        return try await system.resolve($OperatorService.self, named: "master", at: cluster.masterSystem.endpoint)
    }

    /// Launches `taskID` on the agent from the framework's next offer and reports it RUNNING.
    func launch(_ taskID: String, _ framework: Cluster.Framework, _ agent: Cluster.Agent, uuid: UInt64) async throws {
        let offer = try #require(try await framework.offers().first)
        try await framework.master.accept(AcceptRequest(frameworkID: framework.id, offerIDs: [offer.id],
                                                        operations: [.launch([try task(taskID, on: agent.id)])],
                                                        filters: Filters(refuseSeconds: 0)))
        _ = await agent.events.take { $0.runTask?.task.taskID == TaskID(taskID) }
        try await agent.send(.running, task: TaskID(taskID), framework: framework.id, uuid: uuid)
        #expect(try await framework.update(for: TaskID(taskID)).state == .staging)
        #expect(try await framework.update(for: TaskID(taskID)).state == .running)
    }

    @Test func listingsShowAgentsFrameworksAndTasksIncludingCompletedOnes() async throws {
        let cluster = try Cluster()
        let framework = try await cluster.framework("fw", roles: [try Role("web")])
        let agent = try await cluster.agent("agent-a", "cpus:4;mem:1024")
        try await launch("t1", framework, agent, uuid: 1)
        let operatorAPI = try await operatorStub(cluster)

        let agents = try await operatorAPI.agents()
        #expect(agents.map(\.id) == [agent.id])
        #expect(agents.first?.state == .active && agents.first?.hostname == "agent-a" && agents.first?.tasks == 1)
        #expect(agents.first?.total == (try Resources.parse("cpus:4;mem:1024")))
        // The task's resources (and the re-offered rest) are held by the framework.
        let taskResources = try Resources.parse("cpus:1;mem:128")
        #expect(agents.first.map { $0.allocated.contains(taskResources) } == true)

        let frameworks = try await operatorAPI.frameworks()
        #expect(frameworks.map(\.info.id) == [framework.id])
        #expect(frameworks.first?.connected == true && frameworks.first?.tasks == 1)
        #expect((frameworks.first?.dominantShare ?? 0) > 0)

        var tasks = try await operatorAPI.tasks(frameworkID: nil)
        #expect(tasks.map(\.taskID) == [TaskID("t1")])
        let web = try Role("web")
        #expect(tasks.first?.state == .running && tasks.first?.role == web && tasks.first?.agentID == agent.id)

        // FINISHED and acknowledged: the master forgets the live task but still lists it as completed.
        try await agent.send(.finished, task: TaskID("t1"), framework: framework.id, uuid: 2)
        #expect(try await framework.update(for: TaskID("t1")).state == .finished)
        try await framework.master.acknowledge([Acknowledgement(frameworkID: framework.id, agentID: agent.id,
                                                               taskID: TaskID("t1"), uuid: StatusUpdateID(high: 0, low: 2))])
        #expect(await cluster.state()?.tasks[framework.id]?[TaskID("t1")] == nil)
        tasks = try await operatorAPI.tasks(frameworkID: framework.id)
        #expect(tasks.map(\.state) == [.finished])
        #expect(try await operatorAPI.tasks(frameworkID: FrameworkID("other")).isEmpty)
        await cluster.shutdown()
    }

    @Test func taskOutputIsRelayedFromTheAgentAndUnknownTasksAreRefused() async throws {
        let cluster = try Cluster()
        let framework = try await cluster.framework("fw")
        let agent = try await cluster.agent("agent-a")
        try await launch("t1", framework, agent, uuid: 1)
        let operatorAPI = try await operatorStub(cluster)
        let chunk = try await operatorAPI.readTaskOutput(
            TaskOutputRequest(frameworkID: framework.id, taskID: TaskID("t1"), stream: .stderr, offset: 3))
        #expect(String(decoding: chunk.data, as: UTF8.self) == "err of t1")
        #expect(chunk.offset == 3 && chunk.size == 12)
        await #expect(throws: MasterError.unknownTask(framework.id, TaskID("nope"))) {
            _ = try await operatorAPI.readTaskOutput(
                TaskOutputRequest(frameworkID: framework.id, taskID: TaskID("nope"), stream: .stdout, offset: 0))
        }
        await cluster.shutdown()
    }

    @Test func weightsAndQuotaAreValidatedAppliedAndSurviveARestart() async throws {
        let directory = try TemporaryDirectory()
        let store = try await FileStateStore(directory: directory.path)
        let first = try Cluster { $0.stateStore = store }
        let operatorAPI = try await operatorStub(first)
        let web = try Role("web"), batch = try Role("batch")

        await #expect(throws: MasterError.self) {
            try await operatorAPI.updateWeights([RoleWeight(role: web, weight: 0)])
        }
        await #expect(throws: MasterError.self) {
            try await operatorAPI.updateQuota(RoleQuota(role: web, guarantee: try ResourceQuantities.parse("cpus:4"),
                                                        limit: try ResourceQuantities.parse("cpus:2")))
        }
        try await operatorAPI.updateWeights([RoleWeight(role: web, weight: 3), RoleWeight(role: batch, weight: 0.5)])
        let quota = RoleQuota(role: web, guarantee: try ResourceQuantities.parse("cpus:2;mem:256"),
                              limit: try ResourceQuantities.parse("cpus:8"))
        try await operatorAPI.updateQuota(quota)
        #expect(try await operatorAPI.weights() == [RoleWeight(role: batch, weight: 0.5), RoleWeight(role: web, weight: 3)])
        #expect(try await operatorAPI.quotas() == [quota])
        // Weight 1 is the default: it removes the entry.
        try await operatorAPI.updateWeights([RoleWeight(role: batch, weight: 1)])
        await store.close()
        await first.shutdown()

        let reopened = try await FileStateStore(directory: directory.path)
        let second = try Cluster { $0.stateStore = reopened }
        try await second.master.whenLocal { try await $0.recoverRegistry() }
        let again = try await operatorStub(second)
        #expect(try await again.weights() == [RoleWeight(role: web, weight: 3)])
        #expect(try await again.quotas() == [quota])
        // Removing the quota is durable too.
        try await again.updateQuota(RoleQuota(role: web, guarantee: ResourceQuantities()))
        #expect(try await again.quotas().isEmpty)
        await second.shutdown()
        await reopened.close()
    }

    @Test func markingAnAgentGoneEndsItsTasksAndRefusesItsReturn() async throws {
        let cluster = try Cluster()
        let framework = try await cluster.framework("fw", capabilities: [.partitionAware])
        let agent = try await cluster.agent("agent-a")
        try await launch("t1", framework, agent, uuid: 1)
        let operatorAPI = try await operatorStub(cluster)
        try await operatorAPI.markAgentGone(agent.id)
        let status = try await framework.update(for: TaskID("t1"))
        #expect(status.state == .goneByOperator && status.reason == .agentRemovedByOperator)
        #expect(try await operatorAPI.agents().first?.state == .gone)
        await #expect(throws: MasterError.agentGone(agent.id)) {
            _ = try await agent.master.reregisterAgent(ReregisterAgentRequest(
                agent: KeelProtocol.AgentInfo(id: agent.id, hostname: "agent-a", resources: try Resources.parse("cpus:4")),
                actor: agent.actor.id))
        }
        #expect(await cluster.violations().isEmpty)
        await cluster.shutdown()
    }

    @Test func anAgentUnreachableLongerThanTheMaximumAgeIsMarkedGone() async throws {
        let wall = WallClock(start: 1_700_000_000)
        let cluster = try Cluster {
            $0.unreachableAgentMaxAge = .seconds(3600)
            $0.wallClock = { wall.now }
        }
        let framework = try await cluster.framework("fw", capabilities: [.partitionAware])
        let agent = try await cluster.agent("agent-a")
        try await launch("t1", framework, agent, uuid: 1)
        // A look at the agents while none is unreachable: the next is due only once one becomes unreachable.
        await cluster.tick()
        await agent.actor.whenLocal { $0.mute() }
        let timeout = await cluster.master.whenLocal { $0.configuration.agentPingTimeout } ?? .seconds(75)
        await cluster.tick(after: timeout)
        #expect(try await framework.update(for: TaskID("t1")).state == .unreachable)
        #expect(await cluster.state()?.agents[agent.id]?.state == .unreachable)

        wall.advance(3599)
        await cluster.tick()
        #expect(await cluster.state()?.agents[agent.id]?.state == .unreachable)
        wall.advance(1)
        await cluster.tick()
        #expect(await cluster.state()?.agents[agent.id]?.state == .gone)
        let gone = try await framework.update(for: TaskID("t1"))
        #expect(gone.state == .gone && gone.reason == .agentRemoved)
        #expect(await cluster.violations().isEmpty)
        await cluster.shutdown()
    }
}

/// A settable wall clock for the master's `wallClock`.
final class WallClock: Sendable {
    private let seconds: Mutex<Double>
    init(start: Double) { seconds = Mutex(start) }
    var now: Double { seconds.withLock { $0 } }
    func advance(_ delta: Double) { seconds.withLock { $0 += delta } }
}

/// Snapshots written before weights and quotas were persisted (format 1) still recover.
@Test func formatOneRegistrySnapshotsStillDecode() throws {
    struct FormatOne: Codable { var formatVersion = 1; var agents: [RegisteredAgent] = [] }
    let bytes = try BinaryEncoder().encode(FormatOne())
    let registry = try RegistrarCodec.registry(from: RecoveredState(snapshot: bytes, records: []))
    #expect(registry.agents.isEmpty && registry.weights.isEmpty && registry.quotas.isEmpty)
    #expect(registry.formatVersion == Registry.currentFormatVersion)
}
