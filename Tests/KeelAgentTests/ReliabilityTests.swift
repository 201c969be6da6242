import Foundation
import KeelActors
import KeelAgent
import KeelCore
import KeelProtocol
import Testing

/// Status update reliability and master failover, end to end.
@Suite("Agent status update reliability", .serialized)
struct ReliabilityTests {
    func awaitRegistration(_ cluster: Cluster) async throws {
        _ = try await cluster.log.next("a registration") { event in
            if case .registered = event { return true }
            return false
        }
    }

    @Test func unacknowledgedUpdateIsRetriedAndTheNextIsHeld() async throws {
        let cluster = try await Cluster(autoAcknowledge: false) {
            $0.statusUpdateRetryInitial = .milliseconds(20)
            $0.statusUpdateRetryMax = .milliseconds(100)
        }
        defer { Task { await cluster.stop() } }
        try await awaitRegistration(cluster)
        try await cluster.run(try cluster.task("held", .argv(["/bin/true"])))
        let first = try await cluster.nextUpdate("held")
        #expect(first.status.state == .starting)
        // Retries arrive; nothing newer does until the head is acknowledged, although the task has long finished.
        for _ in 0..<3 {
            let again = try await cluster.nextUpdate("held", "a retry")
            #expect(again.status.uuid == first.status.uuid)
            #expect(again.status.state == .starting)
        }
        // An acknowledgement of another uuid releases nothing.
        try await cluster.master.whenLocal { master in
            try await master.acknowledge(frameworkID: FrameworkID("fw-1"), taskID: TaskID("held"),
                                         uuid: StatusUpdateID(high: 1, low: 2))
        }
        // Retries keep carrying the head, also once the task has finished (each reports the latest state). How soon
        // the agent sees the exit depends on the machine's load: wait for a retry that reports it, not for a time.
        var stillHead = try await cluster.nextUpdate("held", "a retry")
        var retries = 1
        while stillHead.latestState != .finished && retries < 200 {
            #expect(stillHead.status.uuid == first.status.uuid)
            stillHead = try await cluster.nextUpdate("held", "a retry reporting the task finished")
            retries += 1
        }
        #expect(stillHead.status.uuid == first.status.uuid)
        #expect(stillHead.latestState == .finished)
        try await cluster.acknowledge(first)
        let next = try await cluster.nextUpdate("held", "the next update") { $0.status.uuid != first.status.uuid }
        #expect(next.status.state == .running)
    }

    @Test func slowAcknowledgementsLoseNothingAndKeepOrder() async throws {
        let cluster = try await Cluster(autoAcknowledge: false) { $0.statusUpdateRetryInitial = .milliseconds(10) }
        defer { Task { await cluster.stop() } }
        try await awaitRegistration(cluster)
        try await cluster.run(try cluster.task("slow-a", .shell("exit 0")))
        try await cluster.run(try cluster.task("slow-b", .shell("exit 4")))
        for (task, expected) in [("slow-a", [TaskState.starting, .running, .finished]),
                                 ("slow-b", [.starting, .running, .failed])] {
            var seen: [TaskState] = []
            var acknowledged: Set<StatusUpdateID> = []
            while seen.count < expected.count {
                let done = acknowledged
                let update = try await cluster.nextUpdate(task) { update in
                    guard let uuid = update.status.uuid else { return false }
                    return !done.contains(uuid)
                }
                // Acknowledge only after the agent re-sent the update at least once: a slow framework.
                let retry = try await cluster.nextUpdate(task, "a retry") { $0.status.uuid == update.status.uuid }
                #expect(retry.status.state == update.status.state)
                seen.append(update.status.state)
                if let uuid = update.status.uuid { acknowledged.insert(uuid) }
                try await cluster.acknowledge(update)
            }
            #expect(seen == expected)
        }
    }

    @Test func masterFailoverLeadsToReregistrationWithRunningTasks() async throws {
        var cluster = try await Cluster()
        defer { Task { [cluster] in await cluster.stop() } }
        try await awaitRegistration(cluster)
        try await cluster.run(try cluster.task("survivor", .argv(["sleep", "100"])))
        _ = try await cluster.nextUpdate("survivor", "RUNNING") { $0.status.state == .running }
        try await cluster.restartMaster()
        guard case .reregistered(let request) = try await cluster.log.next("a re-registration") else {
            Issue.record("expected a re-registration first")
            return
        }
        #expect(request.agent.id == AgentID("agent-1"))
        #expect(request.actor == cluster.agent.id)
        #expect(request.tasks.map(\.task.taskID) == [TaskID("survivor")])
        #expect(request.tasks.first?.state == .running)
        #expect(request.frameworks.map(\.id) == [FrameworkID("fw-1")])
        // The new master can drive the agent: a kill ends the task KILLED through it.
        try await cluster.master.whenLocal { master in
            try await master.agent().killTask(KillRequest(frameworkID: FrameworkID("fw-1"), taskID: TaskID("survivor")))
        }
        let terminal = try await cluster.nextUpdate("survivor", "a terminal update") { $0.status.state.isTerminal }
        #expect(terminal.status.state == .killed)
    }

    @Test func unacknowledgedUpdatesAreResentToTheNewMaster() async throws {
        var cluster = try await Cluster(autoAcknowledge: false)
        defer { Task { [cluster] in await cluster.stop() } }
        try await cluster.run(try cluster.task("pending", .argv(["/bin/true"])))
        let starting = try await cluster.nextUpdate("pending")
        #expect(starting.status.state == .starting)
        try await cluster.restartMaster(autoAcknowledge: true)
        guard case .reregistered(let request) = try await cluster.log.next("a re-registration") else {
            Issue.record("expected a re-registration first")
            return
        }
        // The task ended meanwhile, but its updates are unacknowledged, so it is still reported.
        #expect(request.tasks.map(\.task.taskID) == [TaskID("pending")])
        let states = [try await cluster.nextUpdate("pending"), try await cluster.nextUpdate("pending"),
                      try await cluster.nextUpdate("pending")]
        #expect(states.map(\.status.state) == [.starting, .running, .finished])
        #expect(states[0].status.uuid == starting.status.uuid)
    }

    @Test func masterThatForgotTheAgentGetsAReregistrationAndTheUpdate() async throws {
        let cluster = try await Cluster()
        defer { Task { await cluster.stop() } }
        await cluster.master.whenLocal { $0.forgetAgentAtNextUpdate = true }
        try await cluster.run(try cluster.task("after-refusal", .argv(["/bin/true"])))
        guard case .reregistered(let request) = try await cluster.log.next("a re-registration", where: { event in
            if case .reregistered = event { return true }
            return false
        }) else { return }
        #expect(request.agent.id == AgentID("agent-1"))
        let states = [try await cluster.nextUpdate("after-refusal"), try await cluster.nextUpdate("after-refusal"),
                      try await cluster.nextUpdate("after-refusal")]
        #expect(states.map(\.status.state) == [.starting, .running, .finished])
    }
}
