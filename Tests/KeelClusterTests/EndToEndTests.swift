import KeelActors
import KeelCore
import KeelFramework
import KeelProtocol
import KeelTesting
import Synchronization
import Testing

/// A scheduler that launches the given tasks on the first offer big enough and reports every update.
actor ScriptedScheduler: Scheduler {
    let commands: [(id: String, command: CommandInfo, resources: String)]
    let isolation: [String: TaskIsolation]
    let updates: AsyncStream<TaskStatus>.Continuation
    private var launched = false

    init(commands: [(id: String, command: CommandInfo, resources: String)], isolation: [String: TaskIsolation] = [:],
         updates: AsyncStream<TaskStatus>.Continuation) {
        self.commands = commands
        self.isolation = isolation
        self.updates = updates
    }

    func resourceOffers(_ driver: SchedulerDriver, offers: [Offer]) async {
        guard !launched, let offer = offers.first else {
            try? await driver.decline(offers.map(\.id), filters: Filters(refuseSeconds: 0))
            return
        }
        launched = true
        var tasks: [TaskInfo] = []
        for item in commands {
            guard let resources = try? Resources.parse(item.resources) else { continue }
            tasks.append(TaskInfo(name: item.id, taskID: TaskID(item.id), agentID: offer.agentID, resources: resources,
                                  command: item.command, isolation: isolation[item.id]))
        }
        try? await driver.launch(tasks, on: [offer.id])
        try? await driver.decline(offers.dropFirst().map(\.id))
    }

    func statusUpdate(_ driver: SchedulerDriver, status: TaskStatus) async {
        updates.yield(status)
    }
}

/// Collects updates until every task reached a terminal state (or the deadline passes).
func terminalStates(_ stream: AsyncStream<TaskStatus>, tasks: Int, seconds: Double = 20) async throws -> [String: [TaskStatus]] {
    try await withThrowingTaskGroup(of: [String: [TaskStatus]]?.self) { group in
        group.addTask {
            var seen: [String: [TaskStatus]] = [:]
            for await status in stream {
                seen[status.taskID.value, default: []].append(status)
                if seen.values.filter({ $0.last?.state.isTerminal == true }).count == tasks { return seen }
            }
            return seen
        }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            return nil
        }
        let first = try await group.next() ?? nil
        group.cancelAll()
        guard let result = first else { throw ClusterTimeout() }
        return result
    }
}

struct ClusterTimeout: Error {}

@Suite("End to end: master, agents, framework")
struct EndToEndTests {
    @Test(arguments: [LocalCluster.Network.memory, .tcp])
    func tasksRunToTheirTerminalStates(_ network: LocalCluster.Network) async throws {
        var configuration = LocalCluster.Configuration()
        configuration.network = network
        configuration.agents = 1
        let cluster = try await LocalCluster.start(configuration)
        let updates = AsyncStream<TaskStatus>.makeStream()
        let scheduler = ScriptedScheduler(commands: [
            ("ok", CommandInfo(.shell("exit 0")), "cpus:0.1;mem:32"),
            ("fails", CommandInfo(.shell("exit 3")), "cpus:0.1;mem:32"),
            ("greedy", CommandInfo(.shell("exit 0")), "cpus:64;mem:32"),
        ], updates: updates.continuation)
        let driver = try await cluster.startFramework(FrameworkInfo(name: "e2e"), scheduler: scheduler)
        let seen = try await terminalStates(updates.stream, tasks: 3)

        #expect(seen["ok"]?.map(\.state).contains(.running) == true)
        #expect(seen["ok"]?.last?.state == .finished)
        #expect(seen["fails"]?.last?.state == .failed)
        #expect(seen["fails"]?.last?.message?.contains("3") == true, "\(String(describing: seen["fails"]?.last?.message))")
        // More than the offer holds: refused by the master with a reason, nothing launched.
        #expect(seen["greedy"]?.last?.state == .error)
        #expect(seen["greedy"]?.last?.reason != nil)
        await driver.stop()
        await cluster.shutdown()
    }

    /// The master refuses an unknown capability name in `TaskInfo.isolation` with TASK_ERROR and says which.
    @Test func anUnknownCapabilityNameIsATaskError() async throws {
        var configuration = LocalCluster.Configuration()
        configuration.agents = 1
        let cluster = try await LocalCluster.start(configuration)
        let updates = AsyncStream<TaskStatus>.makeStream()
        let scheduler = ScriptedScheduler(
            commands: [("bad-cap", CommandInfo(.shell("exit 0")), "cpus:0.1;mem:32")],
            isolation: ["bad-cap": TaskIsolation(capabilities: ["CAP_NET_RAW", "CAP_FLY"])],
            updates: updates.continuation)
        let driver = try await cluster.startFramework(FrameworkInfo(name: "isolation"), scheduler: scheduler)
        let seen = try await terminalStates(updates.stream, tasks: 1)
        let last = seen["bad-cap"]?.last
        #expect(last?.state == .error)
        #expect(last?.reason == .taskInvalid)
        #expect(last?.message?.contains("invalid isolation options: unknown capability \"CAP_FLY\"") == true,
                "\(last?.message ?? "")")
        #expect(seen["bad-cap"]?.contains { $0.state == .running } == false)
        await driver.stop()
        await cluster.shutdown()
    }

    @Test func aKilledTaskEndsKilled() async throws {
        var configuration = LocalCluster.Configuration()
        configuration.agents = 1
        let cluster = try await LocalCluster.start(configuration)
        let updates = AsyncStream<TaskStatus>.makeStream()
        let scheduler = ScriptedScheduler(commands: [("sleeper", CommandInfo(.shell("sleep 100")), "cpus:0.1;mem:32")],
                                          updates: updates.continuation)
        let driver = try await cluster.startFramework(FrameworkInfo(name: "killer"), scheduler: scheduler)
        var iterator = updates.stream.makeAsyncIterator()
        while let status = await iterator.next(), status.state != .running {}
        try await driver.kill(TaskID("sleeper"))
        var last: TaskStatus?
        while let status = await iterator.next() {
            last = status
            if status.state.isTerminal { break }
        }
        #expect(last?.state == .killed)
        await driver.stop()
        await cluster.shutdown()
    }
}
