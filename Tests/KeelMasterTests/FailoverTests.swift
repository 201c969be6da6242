import KeelActors
import KeelAllocator
import KeelCore
import KeelProtocol
import Testing
@testable import KeelMaster

/// The first event of `stream` equal to `expected` (`false` if the stream ends or 10 s pass: a hang guard).
func see(_ expected: MasterEvent, in stream: AsyncStream<MasterEvent>?) async -> Bool {
    guard let stream else { return false }
    return await withTaskGroup(of: Bool.self) { group in
        group.addTask {
            for await event in stream where event == expected { return true }
            return false
        }
        group.addTask {
            try? await Task.sleep(for: .seconds(10))
            return false
        }
        let seen = await group.next() ?? false
        group.cancelAll()
        return seen
    }
}

@Suite struct FailoverTests {
    /// Starts a framework with a 60 s failover timeout and one running task, then crashes its scheduler's node.
    func runningTaskThenCrash(_ cluster: Cluster) async throws -> (Cluster.Agent, Cluster.Framework, TaskID) {
        let events = await cluster.master.whenLocal { $0.events() }
        let system = try cluster.node("fw")
        let log = EventLog<SchedulerEvent>()
        let scheduler = FakeScheduler(actorSystem: system, events: log)
        cluster.fakes.withLock { $0.append(scheduler) }
        let master = try await cluster.masterStub(from: system)
        let info = FrameworkInfo(name: "fw", failoverTimeout: .seconds(60))
        let id = try await master.subscribe(SubscribeRequest(framework: info, scheduler: scheduler.id)).frameworkID
        let framework = Cluster.Framework(system: system, actor: scheduler, id: id, master: master, events: log)
        let agent = try await cluster.agent("agent-a")
        let offer = try #require(try await framework.offers().first)
        let web = try task("web", on: agent.id)
        try await master.accept(AcceptRequest(frameworkID: id, offerIDs: [offer.id], operations: [.launch([web])]))
        _ = try await framework.update(for: web.taskID)
        try await agent.send(.running, task: web.taskID, framework: id, uuid: 1)
        #expect(try await framework.update(for: web.taskID).state == .running)

        cluster.network.crash(system.endpoint)
        #expect(await see(.frameworkDisconnected(id), in: events))
        #expect(await cluster.state()?.offers(ofFramework: id).isEmpty == true)
        return (agent, framework, web.taskID)
    }

    /// A new scheduler re-subscribing with the framework's ID before the timeout keeps its tasks and gets offers.
    @Test func resubscriptionKeepsTasks() async throws {
        let cluster = try Cluster()
        let (_, old, taskID) = try await runningTaskThenCrash(cluster)
        await cluster.tick(after: .seconds(59))
        let fresh = try await cluster.framework("fw-2", id: old.id)
        #expect(fresh.id == old.id)
        #expect(try await fresh.offers().first?.resources == (try Resources.parse("cpus:3;mem:896")))
        try await fresh.master.reconcile(ReconcileRequest(frameworkID: fresh.id))
        let answer = try await fresh.update(for: taskID)
        #expect(answer.state == .running && answer.reason == .reconciliation)
        await cluster.tick(after: .seconds(10))
        #expect(await cluster.state()?.frameworks[old.id]?.connected == true)
        #expect(await cluster.violations().isEmpty)
        await cluster.shutdown()
    }

    /// Past the failover timeout the framework is removed: agents shut it down and its ID is retired.
    @Test func failoverTimeoutRemovesTheFramework() async throws {
        let cluster = try Cluster()
        let events = await cluster.master.whenLocal { $0.events() }
        let (agent, old, taskID) = try await runningTaskThenCrash(cluster)
        await cluster.tick(after: .seconds(59))
        #expect(await cluster.state()?.frameworks[old.id] != nil)
        await cluster.tick(after: .seconds(1))
        #expect(await see(.frameworkRemoved(old.id), in: events))
        guard case .shutdownFramework(let id)? = await agent.events.take(where: {
            if case .shutdownFramework = $0 { true } else { false }
        }) else { Issue.record("no shutdown"); return }
        #expect(id == old.id)
        #expect(await cluster.state()?.tasks[old.id]?[taskID] == nil)
        await #expect(throws: MasterError.frameworkRemoved(old.id)) {
            _ = try await cluster.framework("fw-2", id: old.id)
        }
        #expect(await cluster.violations().isEmpty)
        await cluster.shutdown()
    }
}
