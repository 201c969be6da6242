import Foundation
import KeelActors
import KeelAllocator
import KeelCodec
import KeelCore
import KeelProtocol
import KeelStorage
import Testing
@testable import KeelMaster

/// A temporary directory removed when the test ends.
struct TemporaryDirectory: ~Copyable {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("keel-registrar-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

@Suite struct RegistrarTests {
    /// Re-registers `agent` (from a node of `cluster`) with its old ID, reporting `tasks`.
    func reregister(_ cluster: Cluster, name: String, id: AgentID, tasks: [TaskSnapshot] = []) async throws
        -> (AgentRegistered, Cluster.Agent) {
        let system = try cluster.node(name)
        let events = EventLog<AgentEvent>()
        let actor = FakeAgent(actorSystem: system, events: events)
        cluster.fakes.withLock { $0.append(actor) }
        let master = try await cluster.masterStub(from: system)
        let info = KeelProtocol.AgentInfo(id: id, hostname: name, resources: try Resources.parse("cpus:4;mem:1024"))
        let registered = try await master.reregisterAgent(ReregisterAgentRequest(agent: info, actor: actor.id,
                                                                                 tasks: tasks))
        return (registered, Cluster.Agent(system: system, actor: actor, id: id, master: master, events: events))
    }

    /// The issue's acceptance test: a master restarted on the same `FileStateStore` directory accepts an agent
    /// re-registering with its old ID (with its tasks) and refuses an agent that was unregistered (gone).
    @Test func masterRestartWithTheDurableRegistrarRemembersItsAgents() async throws {
        let directory = try TemporaryDirectory()
        let store = try await FileStateStore(directory: directory.path)
        let first = try Cluster { $0.stateStore = store }
        let kept = try await first.agent("agent-a")
        let removed = try await first.agent("agent-b")
        try await removed.master.unregisterAgent(removed.id)
        // The master "crashes": its store goes first, so the agents' nodes shutting down afterwards change nothing.
        await store.close()
        await first.shutdown()

        let reopened = try await FileStateStore(directory: directory.path)
        let second = try Cluster { $0.stateStore = reopened }
        try await second.master.whenLocal { try await $0.recoverRegistry() }
        #expect(await second.master.whenLocal { $0.recoveringAgentIDs } == [kept.id])
        #expect(await second.state()?.agents[removed.id]?.state == .gone)

        let frameworkID = FrameworkID("framework-1")
        let running = TaskSnapshot(frameworkID: frameworkID, task: try task("t1", on: kept.id), state: .running)
        let (registered, _) = try await reregister(second, name: "agent-a", id: kept.id, tasks: [running])
        #expect(registered.agentID == kept.id)
        let state = try #require(await second.state())
        #expect(state.agents[kept.id]?.state == .active)
        #expect(state.tasks[frameworkID]?[TaskID("t1")]?.state == .running)
        #expect(await second.master.whenLocal { $0.recoveringAgentIDs } == [])
        #expect(await second.master.whenLocal { $0.allocatorSnapshot().agents.count } == 1)

        await #expect(throws: MasterError.agentGone(removed.id)) {
            _ = try await reregister(second, name: "agent-b", id: removed.id)
        }
        // A new agent gets an ID that does not collide with remembered ones.
        let fresh = try await second.agent("agent-c")
        #expect(fresh.id != kept.id && fresh.id != removed.id)
        #expect(await second.violations().isEmpty)
        await second.shutdown()
        await reopened.close()
    }

    /// An admitted agent that does not re-register within the window is marked unreachable (durably) when the
    /// window ends, not before; reconciliation then reports its tasks UNREACHABLE to a partition-aware framework and
    /// LOST to the other; the agent may still come back later.
    @Test func agentMissingTheReregistrationWindowBecomesUnreachable() async throws {
        let store = MemoryStateStore()
        let first = try Cluster { $0.stateStore = store }
        let agent = try await first.agent("agent-a")
        let restarted = MemoryStateStore(contents: store.contents)  // the master crashes here
        await first.shutdown()

        let second = try Cluster {
            $0.stateStore = restarted
            $0.agentReregistrationTimeout = .seconds(60)
        }
        try await second.master.whenLocal { try await $0.recoverRegistry() }
        await second.tick(after: .seconds(59))
        #expect(await second.master.whenLocal { $0.recoveringAgentIDs } == [agent.id])
        #expect(await second.state()?.agents[agent.id] == nil)
        await second.tick(after: .seconds(1))
        #expect(await second.master.whenLocal { $0.recoveringAgentIDs } == [])
        #expect(await second.state()?.agents[agent.id]?.state == .unreachable)
        let registry = try RegistrarCodec.registry(from: restarted.contents)
        #expect(registry[agent.id]?.status == .unreachable && registry[agent.id]?.since == 1_700_000_000)

        let aware = try await second.framework("aware", capabilities: [.partitionAware])
        let plain = try await second.framework("plain")
        for framework in [aware, plain] {
            try await framework.master.reconcile(ReconcileRequest(frameworkID: framework.id,
                                                                  tasks: [.init(taskID: TaskID("t-\(framework.id)"),
                                                                                agentID: agent.id)]))
        }
        let unreachable = try await aware.update(for: TaskID("t-\(aware.id)"))
        #expect(unreachable.state == .unreachable && unreachable.agentID == agent.id)
        #expect(try await plain.update(for: TaskID("t-\(plain.id)")).state == .lost)

        let (registered, _) = try await reregister(second, name: "agent-a", id: agent.id)
        #expect(registered.agentID == agent.id)
        #expect(await second.state()?.agents[agent.id]?.state == .active)
        #expect(try RegistrarCodec.registry(from: restarted.contents)[agent.id]?.status == .admitted)
        await second.shutdown()
    }

    /// Every record and a snapshot round-trip through the codec; damaged bytes give precise errors, and a master
    /// on a damaged store refuses to serve with a clear message.
    @Test func recordsRoundTripAndCorruptionIsRefused() async throws {
        let id = AgentID("m-S1")
        let info = KeelProtocol.AgentInfo(id: id, hostname: "h", resources: try Resources.parse("cpus:2;ports:[1-3]"))
        let actor = ActorID(node: NodeID(endpoint: Endpoint(host: "h", port: 1), incarnation: 7), path: "agent")
        let records: [RegistrarRecord] = [.admitted(id, info: info, actor: actor), .unreachable(id, time: 12.5),
                                          .gone(id, time: 13)]
        for record in records {
            #expect(try BinaryDecoder().decode(RegistrarRecord.self, from: RegistrarCodec.encode(record)) == record)
        }
        var registry = Registry()
        for record in records { try registry.apply(record) }
        let state = RecoveredState(snapshot: try RegistrarCodec.encode(registry), records: [])
        #expect(try RegistrarCodec.registry(from: state) == registry)
        #expect(registry[id]?.status == .gone && registry[id]?.since == 13)

        #expect(throws: RegistrarError.self) { try RegistrarCodec.registry(from: RecoveredState(records: [[0xFF, 1]])) }
        do {
            _ = try RegistrarCodec.registry(from: RecoveredState(records: [try RegistrarCodec.encode(records[1])]))
            Issue.record("an unreachable record for an unknown agent was accepted")
        } catch {
            #expect(String(describing: error).contains("never admitted"))
        }

        let damaged = MemoryStateStore(contents: RecoveredState(snapshot: [1, 2, 3]))
        let cluster = try Cluster { $0.stateStore = damaged }
        let failure = await cluster.master.whenLocal { master -> String? in
            do { try await master.recoverRegistry(); return nil } catch { return String(describing: error) }
        }
        #expect(failure??.contains("registrar snapshot is corrupt") == true)
        await #expect(throws: MasterError.self) { _ = try await cluster.agent("agent-a") }
        await cluster.shutdown()
    }

    /// Past the compaction threshold the registrar writes a snapshot; a master restarted from the compacted store
    /// still knows every agent.
    @Test func recoveryAfterCompaction() async throws {
        let directory = try TemporaryDirectory()
        let store = try await FileStateStore(directory: directory.path)
        let first = try Cluster {
            $0.stateStore = store
            $0.registrarCompactionThreshold = 3
        }
        let a = try await first.agent("agent-a")
        let b = try await first.agent("agent-b")
        let c = try await first.agent("agent-c")
        try await c.master.unregisterAgent(c.id)
        #expect(await first.master.whenLocal { await $0.registrar.compactions } == 1)
        let contents = try await store.recover()
        #expect(contents.snapshot != nil && contents.records.count == 1)
        await store.close()
        await first.shutdown()

        let reopened = try await FileStateStore(directory: directory.path)
        let second = try Cluster { $0.stateStore = reopened }
        try await second.master.whenLocal { try await $0.recoverRegistry() }
        #expect(await second.master.whenLocal { $0.recoveringAgentIDs } == [a.id, b.id].sorted())
        #expect(await second.state()?.agents[c.id]?.state == .gone)
        await second.shutdown()
        await reopened.close()
    }
}
