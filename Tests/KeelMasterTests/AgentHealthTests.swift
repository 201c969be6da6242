import KeelActors
import KeelAllocator
import KeelCore
import KeelProtocol
import Testing
@testable import KeelMaster

@Suite struct AgentHealthTests {
    /// Launches one task for each of a partition-aware and a plain framework on one agent.
    func twoTasks(_ cluster: Cluster) async throws -> (Cluster.Agent, Cluster.Framework, Cluster.Framework) {
        let aware = try await cluster.framework("aware", capabilities: [.partitionAware])
        let plain = try await cluster.framework("plain")
        let agent = try await cluster.agent("agent-a", "cpus:4;mem:1024")
        for framework in [aware, plain] {
            let offer = try #require(try await framework.offers().first)
            try await framework.master.accept(AcceptRequest(
                frameworkID: framework.id, offerIDs: [offer.id],
                operations: [.launch([try task("task-\(framework.id)", on: agent.id)])], filters: Filters(refuseSeconds: 0)))
            #expect(try await framework.update(for: TaskID("task-\(framework.id)")).state == .staging)
        }
        return (agent, aware, plain)
    }

    /// The agent's node crashes: the watch fires; the partition-aware framework sees TASK_UNREACHABLE, the other
    /// TASK_LOST (REASON_AGENT_REMOVED); the outstanding offer is rescinded; the agent leaves the allocator.
    @Test func crashedAgentNodeBecomesUnreachable() async throws {
        let cluster = try Cluster()
        let (agent, aware, plain) = try await twoTasks(cluster)
        let outstanding = try #require(await cluster.state()?.offers(onAgent: agent.id).first)
        let holder = outstanding.frameworkID == aware.id ? aware : plain

        cluster.network.crash(agent.system.endpoint)

        let unreachable = try await aware.update(for: TaskID("task-\(aware.id)"))
        #expect(unreachable.state == .unreachable && unreachable.reason == .agentRemoved)
        let lost = try await plain.update(for: TaskID("task-\(plain.id)"))
        #expect(lost.state == .lost && lost.reason == .agentRemoved)
        guard case .rescind(let id)? = await holder.events.take(where: { if case .rescind = $0 { true } else { false } })
        else { Issue.record("no rescind"); return }
        #expect(id == outstanding.id)
        let state = try #require(await cluster.state())
        #expect(state.agents[agent.id]?.state == .unreachable)
        #expect(state.offers.isEmpty)
        #expect(state.tasks[plain.id]?[TaskID("task-\(plain.id)")]?.state == .unreachable)
        #expect(await cluster.master.whenLocal { $0.allocatorSnapshot().agents.isEmpty } == true)
        #expect(await cluster.violations().isEmpty)
        await cluster.shutdown()
    }

    /// An agent that stops answering pings is unreachable once the ping timeout passes on the master's clock, not
    /// before; re-registering re-admits it, keeps the partition-aware task and kills the other framework's task.
    @Test func silentAgentTimesOutAndReregisters() async throws {
        let cluster = try Cluster()
        let (agent, aware, plain) = try await twoTasks(cluster)
        await agent.actor.whenLocal { $0.mute() }
        await cluster.tick(after: .seconds(74))
        #expect(await cluster.state()?.agents[agent.id]?.state == .active)
        await cluster.tick(after: .seconds(1))
        #expect(await cluster.state()?.agents[agent.id]?.state == .unreachable)
        #expect(try await aware.update(for: TaskID("task-\(aware.id)")).state == .unreachable)
        #expect(try await plain.update(for: TaskID("task-\(plain.id)")).state == .lost)

        let tasks = try [aware, plain].map { framework in
            TaskSnapshot(frameworkID: framework.id, task: try task("task-\(framework.id)", on: agent.id), state: .running)
        }
        let info = KeelProtocol.AgentInfo(id: agent.id, hostname: "agent-a", resources: try Resources.parse("cpus:4;mem:1024"))
        let registered = try await agent.master.reregisterAgent(ReregisterAgentRequest(agent: info, actor: agent.actor.id,
                                                                                        tasks: tasks))
        #expect(registered.agentID == agent.id)
        #expect(await cluster.state()?.agents[agent.id]?.state == .active)
        guard case .killTask(let kill)? = await agent.events.take(where: { if case .killTask = $0 { true } else { false } })
        else { Issue.record("no kill"); return }
        #expect(kill.taskID == TaskID("task-\(plain.id)"))
        #expect(await cluster.state()?.tasks[aware.id]?[TaskID("task-\(aware.id)")]?.state == .running)
        // Re-admitted with its tasks' resources in use: the rest is offered again.
        let offers = try await aware.offers() + (await plain.events.drain { $0.offers != nil }.compactMap(\.offers).flatMap { $0 })
        #expect(offers.contains { $0.resources == (try? Resources.parse("cpus:2;mem:768")) })
        #expect(await cluster.violations().isEmpty)
        await cluster.shutdown()
    }

    /// Teardown: the scheduler is told, agents shut the framework down, its allocation returns to the pool and its
    /// ID is retired.
    @Test func teardownRemovesTheFramework() async throws {
        let cluster = try Cluster()
        let (agent, aware, plain) = try await twoTasks(cluster)
        try await aware.master.teardown(aware.id)
        guard case .shutdownFramework(let id)? = await agent.events.take(where: {
            if case .shutdownFramework = $0 { true } else { false }
        }) else { Issue.record("no shutdown"); return }
        #expect(id == aware.id)
        #expect(await aware.events.take(where: { if case .error = $0 { true } else { false } }) != nil)
        await #expect(throws: MasterError.frameworkRemoved(aware.id)) {
            try await aware.master.teardown(aware.id)
        }
        let info = FrameworkInfo(id: aware.id, name: "again")
        await #expect(throws: MasterError.frameworkRemoved(aware.id)) {
            _ = try await aware.master.subscribe(SubscribeRequest(framework: info, scheduler: aware.actor.id))
        }
        // Nothing stays charged to the removed framework; its task's resources are offered to the other one.
        let snapshot = try #require(await cluster.master.whenLocal { $0.allocatorSnapshot() })
        #expect(snapshot.agents.flatMap(\.allocations).allSatisfy { $0.frameworkID != aware.id })
        let freed = try Resources.parse("cpus:1;mem:128")
        let offers = await plain.events.take { $0.offers?.contains { $0.resources.contains(freed) } == true }
        #expect(offers != nil)
        #expect(await cluster.violations().isEmpty)
        await cluster.shutdown()
    }

    /// A clean unregistration: tasks become TASK_GONE (LOST for frameworks that are not partition-aware) and the
    /// agent may not come back under its ID.
    @Test func unregisteredAgentIsGone() async throws {
        let cluster = try Cluster()
        let (agent, aware, plain) = try await twoTasks(cluster)
        try await agent.master.unregisterAgent(agent.id)
        let gone = try await aware.update(for: TaskID("task-\(aware.id)"))
        #expect(gone.state == .gone && gone.reason == .agentRemoved)
        #expect(try await plain.update(for: TaskID("task-\(plain.id)")).state == .lost)
        let info = KeelProtocol.AgentInfo(id: agent.id, hostname: "agent-a", resources: try Resources.parse("cpus:1"))
        await #expect(throws: MasterError.agentGone(agent.id)) {
            _ = try await agent.master.reregisterAgent(ReregisterAgentRequest(agent: info, actor: agent.actor.id))
        }
        await #expect(throws: MasterError.agentGone(agent.id)) {
            try await agent.send(.running, task: TaskID("task-\(aware.id)"), framework: aware.id, uuid: 9)
        }
        #expect(await cluster.state()?.offers.isEmpty == true)
        #expect(await cluster.violations().isEmpty)
        await cluster.shutdown()
    }

    /// Agents admitted together are not pinged together: each is pinged first at its own phase within one interval
    /// of its admission, then once per interval. (Pinging every agent exactly one interval after its admission
    /// repeated the registration burst every interval: 50,000 pings within seconds stalled the master's loop.)
    @Test func agentsAdmittedTogetherArePingedAtSpreadPhases() async throws {
        let cluster = try Cluster()
        var agents: [Cluster.Agent] = []
        for index in 0..<24 { agents.append(try await cluster.agent("agent-\(index)")) }
        let start = cluster.clock.now()
        /// The agents the master pinged at the current instant, after checking each of them received the ping.
        func pingedNow() async throws -> Set<AgentID> {
            let now = cluster.clock.now()
            let state = try #require(await cluster.state())
            var pinged: Set<AgentID> = []
            for agent in agents where state.agents[agent.id]?.lastPing == now {
                pinged.insert(agent.id)
                #expect(await agent.events.take { if case .ping = $0 { true } else { false } } != nil)
            }
            return pinged
        }
        await cluster.tick(after: .milliseconds(7_500))
        let firstHalf = try await pingedNow()
        let predicted = Set(agents.map(\.id).filter {
            AgentCheckSchedule.firstPingReference(for: $0, admittedAt: start, interval: .seconds(15))
                .advanced(by: .seconds(15)) <= cluster.clock.now()
        })
        #expect(firstHalf == predicted)
        #expect((3...21).contains(firstHalf.count), "\(firstHalf.count) of 24 pinged in the first half interval")
        await cluster.tick(after: .milliseconds(7_500))
        #expect(try await pingedNow() == Set(agents.map(\.id)).subtracting(firstHalf))
        await cluster.tick(after: .milliseconds(7_500))
        #expect(try await pingedNow() == firstHalf)
        await cluster.tick(after: .milliseconds(7_500))
        #expect(try await pingedNow() == Set(agents.map(\.id)).subtracting(firstHalf))
        await cluster.shutdown()
    }
}
