import KeelActors
import KeelAllocator
import KeelCore
import KeelProtocol
import Testing
@testable import KeelMaster

@Suite struct LaunchTests {
    @Test func agentResourcesAreOfferedToTheFramework() async throws {
        let cluster = try Cluster()
        let framework = try await cluster.framework("fw")
        let agent = try await cluster.agent("agent-a", "cpus:4;mem:1024")
        let offers = try await framework.offers()
        #expect(offers.count == 1)
        let offer = try #require(offers.first)
        #expect(offer.agentID == agent.id)
        #expect(offer.hostname == "agent-a")
        #expect(offer.frameworkID == framework.id)
        #expect(offer.resources == (try Resources.parse("cpus:4;mem:1024")))
        #expect(await cluster.state()?.offers[offer.id] != nil)
        await cluster.shutdown()
    }

    @Test func launchRunsOnTheAgentAndUpdatesAndAcksFlow() async throws {
        let cluster = try Cluster()
        let framework = try await cluster.framework("fw")
        let agent = try await cluster.agent("agent-a")
        let offer = try #require(try await framework.offers().first)
        let web = try task("web-1", on: agent.id)
        try await framework.master.accept(AcceptRequest(frameworkID: framework.id, offerIDs: [offer.id],
                                                        operations: [.launch([web])], filters: Filters(refuseSeconds: 0)))
        let run = try #require(await agent.events.take { $0.runTask != nil }?.runTask)
        #expect(run.task == web)
        #expect(run.framework.id == framework.id)
        let staging = try await framework.update(for: web.taskID)
        #expect(staging.state == .staging && staging.source == .master && staging.uuid == nil)

        // The remainder is re-offered at once (filter 0), without the task's resources.
        let rest = try #require(try await framework.offers().first)
        #expect(rest.resources == (try Resources.parse("cpus:3;mem:896")))

        try await agent.send(.running, task: web.taskID, framework: framework.id, uuid: 1)
        let running = try await framework.update(for: web.taskID)
        #expect(running.state == .running && running.uuid == StatusUpdateID(high: 0, low: 1))
        try await framework.master.acknowledge([Acknowledgement(frameworkID: framework.id, agentID: agent.id,
                                                               taskID: web.taskID, uuid: StatusUpdateID(high: 0, low: 1))])
        guard case .acknowledge(let ack)? = await agent.events.take(where: { if case .acknowledge = $0 { true } else { false } })
        else { Issue.record("no acknowledgement reached the agent"); return }
        #expect(ack.taskID == web.taskID && ack.uuid == StatusUpdateID(high: 0, low: 1))

        // A retry of an update already recorded is forwarded again but changes nothing.
        try await agent.send(.running, task: web.taskID, framework: framework.id, uuid: 1)
        #expect(try await framework.update(for: web.taskID).state == .running)

        // FINISHED releases the task's resources back to the allocator.
        try await framework.master.decline(DeclineRequest(frameworkID: framework.id, offerIDs: [rest.id],
                                                          filters: Filters(refuseSeconds: 0)))
        _ = try await framework.offers()
        try await agent.send(.finished, task: web.taskID, framework: framework.id, uuid: 2)
        #expect(try await framework.update(for: web.taskID).state == .finished)
        #expect(await cluster.state()?.tasks[framework.id]?[web.taskID]?.state == .finished)
        #expect(await cluster.state()?.tasks[framework.id]?[web.taskID]?.holdsResources == false)
        // Once the terminal update is acknowledged, the master forgets the task.
        try await framework.master.acknowledge([Acknowledgement(frameworkID: framework.id, agentID: agent.id,
                                                               taskID: web.taskID, uuid: StatusUpdateID(high: 0, low: 2))])
        #expect(await cluster.state()?.tasks[framework.id]?[web.taskID] == nil)
        // FINISHED released the task's resources: they come back as a new offer.
        let released = try #require(try await framework.offers().first)
        #expect(released.resources == (try Resources.parse("cpus:1;mem:128")))
        #expect(await cluster.violations().isEmpty)
        await cluster.shutdown()
    }

    @Test func killAndReconcile() async throws {
        let cluster = try Cluster()
        let framework = try await cluster.framework("fw")
        let agent = try await cluster.agent("agent-a")
        let offer = try #require(try await framework.offers().first)
        let web = try task("web-1", on: agent.id)
        try await framework.master.accept(AcceptRequest(frameworkID: framework.id, offerIDs: [offer.id],
                                                        operations: [.launch([web])]))
        _ = try await framework.update(for: web.taskID)
        try await agent.send(.running, task: web.taskID, framework: framework.id, uuid: 1)
        _ = try await framework.update(for: web.taskID)

        try await framework.master.kill(KillRequest(frameworkID: framework.id, taskID: web.taskID))
        guard case .killTask(let kill)? = await agent.events.take(where: { if case .killTask = $0 { true } else { false } })
        else { Issue.record("kill not forwarded"); return }
        #expect(kill.taskID == web.taskID && kill.agentID == agent.id)

        // Killing an unknown task answers LOST (the framework is not partition-aware) with REASON_TASK_UNKNOWN.
        try await framework.master.kill(KillRequest(frameworkID: framework.id, taskID: TaskID("ghost")))
        let ghost = try await framework.update(for: TaskID("ghost"))
        #expect(ghost.state == .lost && ghost.reason == .taskUnknown)

        // Implicit reconciliation answers the latest known state, without uuid, with REASON_RECONCILIATION.
        try await framework.master.reconcile(ReconcileRequest(frameworkID: framework.id))
        let answer = try await framework.update(for: web.taskID)
        #expect(answer.state == .running && answer.reason == .reconciliation && answer.uuid == nil)
        await cluster.shutdown()
    }

    /// A custom executor is charged once, listed in later offers, and its resources return when it exits.
    @Test func customExecutorIsChargedUntilItExits() async throws {
        let cluster = try Cluster()
        let framework = try await cluster.framework("fw")
        let agent = try await cluster.agent("agent-a", "cpus:4;mem:1024")
        let offer = try #require(try await framework.offers().first)
        let executor = ExecutorInfo(executorID: ExecutorID("exec"), kind: .custom(.shell("run-executor")),
                                    resources: try Resources.parse("cpus:0.5;mem:64"))
        let web = try task("web", on: agent.id, command: nil, executor: executor)
        try await framework.master.accept(AcceptRequest(frameworkID: framework.id, offerIDs: [offer.id],
                                                        operations: [.launch([web])], filters: Filters(refuseSeconds: 0)))
        let rest = try #require(try await framework.offers().first)
        #expect(rest.resources == (try Resources.parse("cpus:2.5;mem:832")))
        #expect(rest.executorIDs == [ExecutorID("exec")])

        try await agent.send(.failed, task: web.taskID, framework: framework.id, uuid: 1, reason: .executorTerminated)
        #expect(try await framework.update(for: web.taskID).state == .staging)
        #expect(try await framework.update(for: web.taskID).state == .failed)
        #expect(try #require(try await framework.offers().first).resources == (try Resources.parse("cpus:1;mem:128")))
        try await agent.master.executorExited(ExecutorExited(frameworkID: framework.id, agentID: agent.id,
                                                             executorID: executor.executorID, status: .exited(code: 1)))
        guard case .failure(let agentID, let executorID)? = await framework.events.take(where: {
            if case .failure = $0 { true } else { false }
        }) else { Issue.record("no failure"); return }
        #expect(agentID == agent.id && executorID == executor.executorID)
        #expect(try #require(try await framework.offers().first).resources == executor.resources)
        #expect(await cluster.violations().isEmpty)
        await cluster.shutdown()
    }
}
