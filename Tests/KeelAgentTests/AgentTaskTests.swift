import Foundation
import KeelActors
import KeelAgent
import KeelCore
import KeelProtocol
import Testing

/// The agent against a fake master on another node, running real processes.
@Suite("Agent with a master", .serialized)
struct AgentTaskTests {
    func registered(_ cluster: Cluster) async throws -> RegisterAgentRequest {
        guard case .registered(let request) = try await cluster.log.next("a registration", where: { event in
            if case .registered = event { return true }
            return false
        }) else { throw TimedOut(waitingFor: "a registration") }
        return request
    }

    /// An agent that cannot enforce a task's isolation options fails the task instead of running it less isolated.
    @Test func aPosixAgentFailsATaskThatAsksForNoNetwork() async throws {
        let cluster = try await Cluster { $0.isolation = .posix }
        defer { Task { await cluster.stop() } }
        var task = try cluster.task("no-net", .shell("true"))
        task.isolation = TaskIsolation(network: .loopbackOnly)
        try await cluster.run(task)
        let terminal = try await cluster.nextUpdate("no-net", "a terminal update") { $0.status.state.isTerminal }
        #expect(terminal.status.state == .failed)
        #expect(terminal.status.reason == .containerLaunchFailed)
        #expect(terminal.status.message?.contains("cannot enforce: its isolation is posix") == true,
                "\(terminal.status.message ?? "")")
        // Asking for the host's network is what a POSIX agent gives: that runs.
        var host = try cluster.task("host-net", .shell("true"))
        host.isolation = TaskIsolation(network: .host)
        try await cluster.run(host)
        let finished = try await cluster.nextUpdate("host-net", "a terminal update") { $0.status.state.isTerminal }
        #expect(finished.status.state == .finished)
    }

    @Test func registersWithConfiguredAndDetectedResources() async throws {
        let cluster = try await Cluster {
            $0.detectResources = true
            try $0.configure(resources: "cpus:3", attributes: "rack:r1")
        }
        defer { Task { await cluster.stop() } }
        let request = try await registered(cluster)
        let facts = HostResources.detect(workDirectory: cluster.workDirectory)
        #expect(request.agent.resources == HostResources.advertised(facts: facts, configured: try Resources.parse("cpus:3")))
        #expect(request.agent.resources.scalar(named: "cpus") == (try Quantity.parse("3")))
        #expect(request.agent.resources.scalar(named: "mem") > (try Quantity.parse("0")))
        #expect(Attributes(request.agent.attributes.filter { $0.name != "keel.isolation" }) == (try Attributes.parse("rack:r1")))
        #expect(["linux", "posix"].contains(request.agent.attributes["keel.isolation"]?.description ?? ""))
        #expect(request.agent.hostname == "agent-host.test")
        #expect(request.agent.id == nil)
        #expect(request.actor == cluster.agent.id)
        #expect(request.version == .current)
        #expect(await cluster.agent.registeredID() == AgentID("agent-1"))
        #expect(try await cluster.master.whenLocal { try await $0.agent().ping(AgentID("agent-1")) } == AgentID("agent-1"))
    }

    @Test func successfulCommandGoesStartingRunningFinished() async throws {
        let cluster = try await Cluster()
        defer { Task { await cluster.stop() } }
        _ = try await registered(cluster)
        try await cluster.run(try cluster.task("true-1", .argv(["/bin/true"])))
        let states = [try await cluster.nextUpdate("true-1"), try await cluster.nextUpdate("true-1"),
                      try await cluster.nextUpdate("true-1")]
        #expect(states.map(\.status.state) == [.starting, .running, .finished])
        #expect(states.allSatisfy { $0.status.uuid != nil && $0.status.source == .executor })
        #expect(states.allSatisfy { $0.status.agentID == AgentID("agent-1") && $0.frameworkID == FrameworkID("fw-1") })
        #expect(states[2].status.exitStatus == .exited(code: 0))
        #expect(Set(states.compactMap(\.status.uuid)).count == 3)
    }

    @Test func nonZeroExitFailsWithTheExitCode() async throws {
        let cluster = try await Cluster()
        defer { Task { await cluster.stop() } }
        _ = try await registered(cluster)
        try await cluster.run(try cluster.task("exit-3", .shell("exit 3")))
        let terminal = try await cluster.nextUpdate("exit-3", "a terminal update") { $0.status.state.isTerminal }
        #expect(terminal.status.state == .failed)
        #expect(terminal.status.exitStatus == .exited(code: 3))
        #expect(terminal.status.message?.contains("status 3") == true)
    }

    @Test func killedTaskEndsKilledWithinTheGracePeriod() async throws {
        let cluster = try await Cluster()
        defer { Task { await cluster.stop() } }
        _ = try await registered(cluster)
        try await cluster.run(try cluster.task("sleeper", .argv(["sleep", "100"]), gracePeriod: .seconds(20)))
        _ = try await cluster.nextUpdate("sleeper", "RUNNING") { $0.status.state == .running }
        let started = ContinuousClock.now
        try await cluster.master.whenLocal { master in
            try await master.agent().killTask(KillRequest(frameworkID: FrameworkID("fw-1"), taskID: TaskID("sleeper")))
        }
        let terminal = try await cluster.nextUpdate("sleeper", "a terminal update") { $0.status.state.isTerminal }
        #expect(terminal.status.state == .killed)
        #expect(terminal.status.exitStatus == .signaled(signal: 15))
        #expect(ContinuousClock.now - started < .seconds(20))
    }

    @Test func killOfUnknownTaskAnswersLostWithoutAcknowledgement() async throws {
        let cluster = try await Cluster()
        defer { Task { await cluster.stop() } }
        _ = try await registered(cluster)
        try await cluster.master.whenLocal { master in
            try await master.agent().killTask(KillRequest(frameworkID: FrameworkID("fw-1"), taskID: TaskID("ghost")))
        }
        let update = try await cluster.nextUpdate("ghost")
        #expect(update.status.state == .lost)
        #expect(update.status.reason == .taskUnknown)
        #expect(update.status.uuid == nil)
        #expect(update.status.reason?.isConsistent(with: update.status.state) == true)
    }

    @Test func runTaskBeforeDuplicateIsRefused() async throws {
        let cluster = try await Cluster()
        defer { Task { await cluster.stop() } }
        _ = try await registered(cluster)
        let task = try cluster.task("twice", .argv(["sleep", "100"]))
        try await cluster.run(task)
        await #expect(throws: AgentError.taskAlreadyKnown(FrameworkID("fw-1"), TaskID("twice"))) {
            try await cluster.run(task)
        }
    }
}

@Suite struct SandboxTests {
    /// Runs `id` to FINISHED, acknowledging each update (so the agent forgets the task), and returns the last one.
    func runAndForget(_ cluster: Cluster, _ id: String, _ line: String) async throws -> StatusUpdate {
        try await cluster.run(try cluster.task(id, .shell(line)))
        var last: StatusUpdate
        repeat {
            last = try await cluster.nextUpdate(id)
            try await cluster.acknowledge(last)
        } while !last.status.state.isTerminal
        return last
    }

    func read(_ cluster: Cluster, _ id: String) async throws -> TaskOutputChunk {
        try await cluster.agent.readTaskOutput(
            TaskOutputRequest(frameworkID: cluster.framework.id ?? FrameworkID("fw-1"), taskID: TaskID(id), stream: .stdout, offset: 0))
    }

    @Test func completedOutputStaysReadableUntilItsSandboxIsCollected() async throws {
        let cluster = try await Cluster(autoAcknowledge: false) { $0.completedSandboxCapacity = 1 }
        defer { Task { await cluster.stop() } }
        #expect(try await runAndForget(cluster, "first", "echo one").status.state == .finished)
        let first = try await read(cluster, "first")
        #expect(String(decoding: first.data, as: UTF8.self) == "one\n" && first.complete && first.size == 4)
        let firstSandbox = try #require(try FileManager.default.contentsOfDirectory(atPath: cluster.workDirectory + "/containers").first)

        #expect(try await runAndForget(cluster, "second", "echo two").status.state == .finished)
        await #expect(throws: AgentError.unknownTask(FrameworkID("fw-1"), TaskID("first"))) { _ = try await read(cluster, "first") }
        // Reads and deletions share one queue: once this read answered, the first sandbox is gone from disk.
        #expect(String(decoding: try await read(cluster, "second").data, as: UTF8.self) == "two\n")
        let left = try FileManager.default.contentsOfDirectory(atPath: cluster.workDirectory + "/containers")
        #expect(left.count == 1 && !left.contains(firstSandbox), "\(left)")
    }
}
