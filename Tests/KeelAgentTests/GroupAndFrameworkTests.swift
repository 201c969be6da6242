import Foundation
import KeelActors
import KeelAgent
import KeelCore
import KeelProtocol
import Testing

/// Task groups, framework shutdown, TASK_KILLING, usage and the master-facing checks.
@Suite("Agent groups and frameworks", .serialized)
struct GroupAndFrameworkTests {
    func runGroup(_ cluster: Cluster, _ tasks: [TaskInfo], framework: FrameworkInfo? = nil) async throws {
        let executor = ExecutorInfo(executorID: ExecutorID("group-executor"), kind: .default,
                                    resources: try Resources.parse("cpus:0.1"))
        let request = RunTaskGroupRequest(framework: framework ?? cluster.framework, executor: executor,
                                          group: TaskGroupInfo(tasks: tasks))
        try await cluster.master.whenLocal { master in try await master.agent().runTaskGroup(request) }
    }

    func terminal(_ cluster: Cluster, _ task: String) async throws -> StatusUpdate {
        try await cluster.nextUpdate(task, "a terminal update") { $0.status.state.isTerminal }
    }

    @Test func groupRunsEveryTaskInTheGroupExecutor() async throws {
        let cluster = try await Cluster()
        defer { Task { await cluster.stop() } }
        try await runGroup(cluster, [try cluster.task("g-a", .argv(["/bin/true"])), try cluster.task("g-b", .shell("exit 0"))])
        for task in ["g-a", "g-b"] {
            let end = try await terminal(cluster, task)
            #expect(end.status.state == .finished)
            #expect(end.status.executorID == ExecutorID("group-executor"))
        }
    }

    @Test func groupWithAnUnlaunchableTaskLaunchesNothingThatKeepsRunning() async throws {
        let cluster = try await Cluster()
        defer { Task { await cluster.stop() } }
        try await runGroup(cluster, [try cluster.task("ok", .argv(["sleep", "100"])),
                                     try cluster.task("bad", .argv(["/nonexistent/keel-test-binary"]))])
        let bad = try await terminal(cluster, "bad")
        #expect(bad.status.state == .failed)
        #expect(bad.status.reason == .containerLaunchFailed)
        #expect(bad.status.message?.contains("/nonexistent/keel-test-binary") == true)
        let ok = try await terminal(cluster, "ok")
        #expect(ok.status.state == .killed)
    }

    @Test func invalidCommandInAGroupFailsEveryTaskBeforeAnyStarts() async throws {
        let cluster = try await Cluster()
        defer { Task { await cluster.stop() } }
        let bad = CommandInfo(.shell("true"), environment: [EnvironmentVariable(name: "A=B", value: "x")])
        try await runGroup(cluster, [try cluster.task("first", .argv(["sleep", "100"])), try cluster.task("culprit", bad)])
        let first = try await cluster.nextUpdate("first", "an update after STARTING") { $0.status.state != .starting }
        #expect(first.status.state == .failed)
        #expect(first.status.message?.contains("culprit") == true)
        let culprit = try await terminal(cluster, "culprit")
        #expect(culprit.status.state == .failed)
        #expect(culprit.status.message?.contains("'='") == true)
    }

    @Test func shutdownFrameworkKillsAllItsTasks() async throws {
        let cluster = try await Cluster()
        defer { Task { await cluster.stop() } }
        for task in ["s-1", "s-2"] {
            try await cluster.run(try cluster.task(task, .argv(["sleep", "100"])))
            _ = try await cluster.nextUpdate(task, "RUNNING") { $0.status.state == .running }
        }
        try await cluster.master.whenLocal { master in try await master.agent().shutdownFramework(FrameworkID("fw-1")) }
        for task in ["s-1", "s-2"] { #expect(try await terminal(cluster, task).status.state == .killed) }
    }

    @Test func killingStateGoesToFrameworksThatAskForIt() async throws {
        let cluster = try await Cluster()
        defer { Task { await cluster.stop() } }
        let framework = FrameworkInfo(id: FrameworkID("fw-1"), name: "killing-aware", capabilities: [.taskKillingState])
        let task = try cluster.task("k", .argv(["sleep", "100"]))
        try await cluster.master.whenLocal { master in
            try await master.agent().runTasks(RunTasksRequest(framework: framework, task: task))
        }
        _ = try await cluster.nextUpdate("k", "RUNNING") { $0.status.state == .running }
        let usage = try await cluster.agent.usage(frameworkID: FrameworkID("fw-1"), executorID: ExecutorID("k"))
        #expect(usage.processes >= 1)
        try await cluster.master.whenLocal { master in
            try await master.agent().killTask(KillRequest(frameworkID: FrameworkID("fw-1"), taskID: TaskID("k")))
        }
        let next = try await cluster.nextUpdate("k", "KILLING") { $0.status.state != .starting && $0.status.state != .running }
        #expect(next.status.state == .killing)
        #expect(try await terminal(cluster, "k").status.state == .killed)
    }

    /// One call launches several tasks; a task the agent already knows is refused alone (the call throws that
    /// refusal once the others were started).
    @Test func runTasksLaunchesEachTaskAndRefusesADuplicateAlone() async throws {
        let cluster = try await Cluster()
        defer { Task { await cluster.stop() } }
        let framework = FrameworkInfo(id: FrameworkID("fw-1"), name: "batch")
        // Still running when the batch arrives (a finished, acknowledged task would be forgotten already).
        let first = try cluster.task("b-1", .argv(["sleep", "100"]))
        try await cluster.run(first)
        _ = try await cluster.nextUpdate("b-1", "RUNNING") { $0.status.state == .running }
        let second = try cluster.task("b-2", .argv(["/bin/true"]))
        let third = try cluster.task("b-3", .argv(["/bin/true"]))
        await #expect(throws: AgentError.taskAlreadyKnown(FrameworkID("fw-1"), TaskID("b-1"))) {
            try await cluster.master.whenLocal { master in
                try await master.agent().runTasks(RunTasksRequest(framework: framework, tasks: [second, first, third]))
            }
        }
        for task in ["b-2", "b-3"] {
            #expect(try await terminal(cluster, task).status.state == .finished)
        }
    }

    @Test func pingAndAcknowledgementsCheckTheAgentID() async throws {
        let cluster = try await Cluster()
        defer { Task { await cluster.stop() } }
        await #expect(throws: AgentError.notRegistered(AgentID("agent-1"))) {
            try await cluster.master.whenLocal { try await $0.agent().ping(AgentID("someone-else")) }
        }
        let stale = Acknowledgement(frameworkID: FrameworkID("fw-1"), agentID: AgentID("old"), taskID: TaskID("t"),
                                    uuid: StatusUpdateID(high: 1, low: 1))
        await #expect(throws: AgentError.notRegistered(AgentID("agent-1"))) {
            try await cluster.master.whenLocal { try await $0.agent().acknowledge([stale]) }
        }
        var elsewhere = try cluster.task("elsewhere", .argv(["/bin/true"]))
        elsewhere.agentID = AgentID("another-agent")
        await #expect(throws: AgentError.notRegistered(AgentID("agent-1"))) { try await cluster.run(elsewhere) }
    }
}
