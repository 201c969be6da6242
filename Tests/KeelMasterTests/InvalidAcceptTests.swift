import KeelActors
import KeelAllocator
import KeelCore
import KeelProtocol
import Testing
@testable import KeelMaster

@Suite struct InvalidAcceptTests {
    /// Each invalid task of a LAUNCH gets TASK_ERROR with REASON_TASK_INVALID and the validator's message; the valid
    /// one launches; everything unused is offered again, so nothing leaks.
    @Test func invalidTasksGetTaskErrorAndResourcesComeBack() async throws {
        let cluster = try Cluster()
        let framework = try await cluster.framework("fw")
        let agent = try await cluster.agent("agent-a", "cpus:4;mem:1024")
        let offer = try #require(try await framework.offers().first)
        let executor = ExecutorInfo(executorID: ExecutorID("exec"), kind: .custom(.shell("run-executor")),
                                    resources: try Resources.parse("cpus:0.5;mem:32"))
        var negative = try task("negative-grace", on: agent.id)
        negative.killPolicy = KillPolicy(gracePeriod: .seconds(-1))
        let cases: [(TaskInfo, TaskError.Problem)] = [
            (try task("no-resources", on: agent.id, ""), .noResources),
            (try task("a/b", on: agent.id), .invalidTaskID(try #require(IdentifierRules.check("a/b")))),
            (try task("elsewhere", on: AgentID("other-agent")), .agentMismatch(task: AgentID("other-agent"), offer: agent.id)),
            (try task("both", on: agent.id, executor: executor), .commandAndExecutor),
            (try task("neither", on: agent.id, command: nil), .noCommandOrExecutor),
            (try task("empty-shell", on: agent.id, command: .shell("")), .invalidCommand(try #require(CommandInfo.shell("").problem))),
            (negative, .negativeGracePeriod),
            (try task("huge", on: agent.id, "cpus:64;mem:128"),
             .insufficientResources(needed: try Resources.parse("cpus:64;mem:128"), available: try Resources.parse("cpus:3;mem:896"))),
        ]
        let good = try task("good", on: agent.id)
        let duplicate = try task("good", on: agent.id)
        try await framework.master.accept(AcceptRequest(
            frameworkID: framework.id, offerIDs: [offer.id],
            operations: [.launch([good, duplicate] + cases.map(\.0))], filters: Filters(refuseSeconds: 0)))

        let staging = await framework.events.take { $0.update?.taskID == good.taskID && $0.update?.state == .staging }
        #expect(staging != nil)
        let dup = try await framework.update(for: good.taskID)
        #expect(dup.state == .error && dup.reason == .taskInvalid)
        #expect(dup.message == TaskError(taskID: good.taskID, reason: .taskInvalid, problem: .duplicateTaskID).description)
        for (invalid, problem) in cases {
            let status = try await framework.update(for: invalid.taskID)
            #expect(status.state == .error, "\(invalid.taskID)")
            #expect(status.reason == .taskInvalid, "\(invalid.taskID)")
            #expect(status.message == TaskError(taskID: invalid.taskID, reason: .taskInvalid, problem: problem).description)
            #expect(status.uuid == nil && status.source == .master)
        }
        // Only the good task reached the agent, and the rest is offered again.
        #expect(try #require(await agent.events.take { $0.runTask != nil }?.runTask).task.taskID == good.taskID)
        let again = try #require(try await framework.offers().first)
        #expect(again.resources == (try Resources.parse("cpus:3;mem:896")))
        #expect(await cluster.state()?.tasks[framework.id]?.keys.map(\.value) == ["good"])
        #expect(await cluster.violations().isEmpty)

        // A live task's ID cannot be reused.
        try await framework.master.accept(AcceptRequest(
            frameworkID: framework.id, offerIDs: [again.id], operations: [.launch([try task("good", on: agent.id)])],
            filters: Filters(refuseSeconds: 0)))
        let reused = try await framework.update(for: good.taskID)
        #expect(reused.state == .error && reused.message == "task good: task ID is already used by a live task of this framework")
        #expect(try #require(try await framework.offers().first).resources == (try Resources.parse("cpus:3;mem:896")))
        await cluster.shutdown()
    }

    /// A bad task refuses its whole group with REASON_TASK_GROUP_INVALID; nothing is launched or leaked.
    @Test func invalidGroupIsRefusedWhole() async throws {
        let cluster = try Cluster()
        let framework = try await cluster.framework("fw")
        let agent = try await cluster.agent("agent-a")
        let offer = try #require(try await framework.offers().first)
        let executor = ExecutorInfo(executorID: ExecutorID("default"), kind: .default,
                                    resources: try Resources.parse("cpus:0.1;mem:32"))
        let group = TaskGroupInfo(tasks: [try task("g1", on: agent.id), try task("g2", on: agent.id, command: nil)])
        try await framework.master.accept(AcceptRequest(frameworkID: framework.id, offerIDs: [offer.id],
                                                        operations: [.launchGroup(executor: executor, group: group)],
                                                        filters: Filters(refuseSeconds: 0)))
        let first = try await framework.update(for: TaskID("g1"))
        let second = try await framework.update(for: TaskID("g2"))
        #expect(first.state == .error && first.reason == .taskGroupInvalid)
        #expect(first.message == "task g1: task group refused because task g2: a task run by the default executor needs a command")
        #expect(second.message == "task g2: a task run by the default executor needs a command")
        #expect(try #require(try await framework.offers().first).resources == offer.resources)
        #expect(await cluster.violations().isEmpty)
        await cluster.shutdown()
    }

    /// Invalid offers drop every task: DROPPED with REASON_INVALID_OFFERS for a partition-aware framework (LOST for
    /// the others); the framework's valid offers in the accept are recovered.
    @Test func invalidOffersDropTasks() async throws {
        let cluster = try Cluster()
        let aware = try await cluster.framework("aware", capabilities: [.partitionAware])
        let agent = try await cluster.agent("agent-a")
        let offer = try #require(try await aware.offers().first)
        try await aware.master.accept(AcceptRequest(
            frameworkID: aware.id, offerIDs: [offer.id, OfferID("no-such-offer")],
            operations: [.launch([try task("t1", on: agent.id)])], filters: Filters(refuseSeconds: 0)))
        let dropped = try await aware.update(for: TaskID("t1"))
        #expect(dropped.state == .dropped && dropped.reason == .invalidOffers)
        #expect(dropped.message == "task t1: offers are invalid: offer no-such-offer is no longer valid")
        #expect(try #require(try await aware.offers().first).resources == offer.resources)

        let plain = try await cluster.framework("plain")
        try await plain.master.accept(AcceptRequest(frameworkID: plain.id, offerIDs: [offer.id],
                                                    operations: [.launch([try task("t2", on: agent.id)])]))
        let lost = try await plain.update(for: TaskID("t2"))
        #expect(lost.state == .lost && lost.reason == .invalidOffers)
        #expect(await cluster.violations().isEmpty)

        await #expect(throws: MasterError.frameworkNotSubscribed(FrameworkID("nobody"))) {
            try await plain.master.accept(AcceptRequest(frameworkID: FrameworkID("nobody"), offerIDs: [], operations: []))
        }
        await cluster.shutdown()
    }
}
