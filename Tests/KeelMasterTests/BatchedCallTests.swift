import KeelActors
import KeelCore
import KeelProtocol
import Testing
@testable import KeelMaster

/// The list-taking calls of protocol 2.0: status updates, acknowledgements and task launches travel several per
/// call, and one bad item is refused alone.
@Suite struct BatchedCallTests {
    private func status(_ taskID: TaskID, _ state: TaskState, agent: AgentID, uuid: UInt64) -> TaskStatus {
        TaskStatus(taskID: taskID, state: state, source: .executor, agentID: agent, timestamp: 1_700_000_001,
                   uuid: StatusUpdateID(high: 0, low: uuid))
    }

    @Test func tasksOfOneAcceptReachTheAgentInOneCall() async throws {
        let cluster = try Cluster()
        let framework = try await cluster.framework("fw")
        let agent = try await cluster.agent("agent-a")
        let offer = try #require(try await framework.offers().first)
        let tasks = try (1...3).map { try task("t\($0)", on: agent.id) }
        try await framework.master.accept(AcceptRequest(frameworkID: framework.id, offerIDs: [offer.id],
                                                        operations: [.launch(tasks)]))
        var launched: [TaskID] = []
        for _ in tasks { launched.append(try #require(await agent.events.take { $0.runTask != nil }?.runTask).task.taskID) }
        #expect(launched == tasks.map(\.taskID))
        #expect(await agent.actor.whenLocal { $0.runTasksCalls } == 1)
        await cluster.shutdown()
    }

    @Test func updatesOfSeveralTasksApplyInOrderAndAnotherAgentsTaskIsDroppedAlone() async throws {
        let cluster = try Cluster()
        let framework = try await cluster.framework("fw")
        let agent = try await cluster.agent("agent-a")
        let offer = try #require(try await framework.offers().first)
        let first = try task("t1", on: agent.id), second = try task("t2", on: agent.id)
        try await framework.master.accept(AcceptRequest(frameworkID: framework.id, offerIDs: [offer.id],
                                                        operations: [.launch([first, second])]))
        _ = try await framework.update(for: first.taskID)  // STAGING
        _ = try await framework.update(for: second.taskID)
        let intruder = try await cluster.agent("agent-b")

        // An update from an agent that does not run the task: dropped (with a logged reason), not an error for the
        // others it travels with.
        try await intruder.master.statusUpdates(
            [StatusUpdate(frameworkID: framework.id, status: status(first.taskID, .failed, agent: intruder.id, uuid: 99))],
            from: intruder.id)
        try await agent.master.statusUpdates([
            StatusUpdate(frameworkID: framework.id, status: status(first.taskID, .running, agent: agent.id, uuid: 1)),
            StatusUpdate(frameworkID: framework.id, status: status(second.taskID, .running, agent: agent.id, uuid: 2)),
            StatusUpdate(frameworkID: framework.id, status: status(first.taskID, .finished, agent: agent.id, uuid: 3)),
        ], from: agent.id)
        #expect(try await framework.update(for: first.taskID).uuid == StatusUpdateID(high: 0, low: 1))
        #expect(try await framework.update(for: second.taskID).state == .running)
        #expect(try await framework.update(for: first.taskID).state == .finished)
        try await framework.fence("after-updates")
        #expect(await framework.events.drain { $0.update?.uuid == StatusUpdateID(high: 0, low: 99) }.isEmpty)
        #expect(await cluster.state()?.tasks[framework.id]?[first.taskID]?.state == .finished)
        #expect(await cluster.state()?.tasks[framework.id]?[second.taskID]?.state == .running)
        await cluster.shutdown()
    }

    @Test func acknowledgementsForAnUnknownAgentAreRefusedAloneAndMixedFrameworksNotAtAll() async throws {
        let cluster = try Cluster()
        let framework = try await cluster.framework("fw")
        let other = try await cluster.framework("other")
        let agent = try await cluster.agent("agent-a")
        let ack = Acknowledgement(frameworkID: framework.id, agentID: agent.id, taskID: TaskID("t1"),
                                  uuid: StatusUpdateID(high: 0, low: 1))
        let stray = Acknowledgement(frameworkID: framework.id, agentID: AgentID("nobody"), taskID: TaskID("t2"),
                                    uuid: StatusUpdateID(high: 0, low: 2))
        await #expect(throws: MasterError.agentNotRegistered(AgentID("nobody"))) {
            try await framework.master.acknowledge([stray, ack])
        }
        let forwarded = await agent.events.take { if case .acknowledge = $0 { true } else { false } }
        guard case .acknowledge(let received)? = forwarded else {
            Issue.record("the valid acknowledgement did not reach the agent")
            return
        }
        #expect(received == ack)

        var foreign = ack
        foreign.frameworkID = other.id
        foreign.uuid = StatusUpdateID(high: 0, low: 3)
        await #expect(throws: MasterError.self) { try await framework.master.acknowledge([ack, foreign]) }
        // Nothing of a refused call is applied: a later acknowledgement is the next thing the agent hears.
        let marker = Acknowledgement(frameworkID: framework.id, agentID: agent.id, taskID: TaskID("t9"),
                                     uuid: StatusUpdateID(high: 0, low: 9))
        try await framework.master.acknowledge([marker])
        let next = await agent.events.take { if case .acknowledge = $0 { true } else { false } }
        guard case .acknowledge(let afterRefusal)? = next else {
            Issue.record("no acknowledgement after the refused call")
            return
        }
        #expect(afterRefusal == marker)
        await cluster.shutdown()
    }
}
