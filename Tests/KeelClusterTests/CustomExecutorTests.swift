import Foundation
import KeelActors
import KeelAgent
import KeelContainer
import KeelCore
import KeelFramework
import KeelProtocol
import KeelTesting
import Testing

/// What the framework of these tests hears.
enum FrameworkEvent: Sendable {
    case update(TaskStatus)
    case message(FrameworkMessage)
    case failure(AgentID, ExecutorID?, ProcessExit?)
}

/// Launches `tasks(agentID)` on the first offer and reports everything it hears.
actor EventScheduler: Scheduler {
    let makeTasks: @Sendable (AgentID) throws -> [TaskInfo]
    let events: AsyncStream<FrameworkEvent>.Continuation
    private var launched = false

    init(events: AsyncStream<FrameworkEvent>.Continuation, tasks: @escaping @Sendable (AgentID) throws -> [TaskInfo]) {
        self.events = events
        self.makeTasks = tasks
    }

    func resourceOffers(_ driver: SchedulerDriver, offers: [Offer]) async {
        guard !launched, let offer = offers.first, let tasks = try? makeTasks(offer.agentID) else {
            try? await driver.decline(offers.map(\.id), filters: Filters(refuseSeconds: 60))
            return
        }
        launched = true
        try? await driver.launch(tasks, on: [offer.id])
        try? await driver.decline(offers.dropFirst().map(\.id), filters: Filters(refuseSeconds: 60))
    }

    func statusUpdate(_ driver: SchedulerDriver, status: TaskStatus) async { events.yield(.update(status)) }
    func frameworkMessage(_ driver: SchedulerDriver, message: FrameworkMessage) async { events.yield(.message(message)) }
    func failure(_ driver: SchedulerDriver, agentID: AgentID, executorID: ExecutorID?, status: ProcessExit?) async {
        events.yield(.failure(agentID, executorID, status))
    }
}

/// Events the scheduler heard, taken by tests in any order: `next(where:)` removes the first match, waiting for it
/// (a deadline guards against hangs).
actor EventReader {
    private var buffer: [FrameworkEvent] = []
    private var waiters: [(id: Int, matches: @Sendable (FrameworkEvent) -> Bool, continuation: CheckedContinuation<FrameworkEvent?, Never>)] = []
    private var nextWaiter = 0

    init(_ stream: AsyncStream<FrameworkEvent>) {
        Task { for await event in stream { await self.append(event) } }
    }

    private func append(_ event: FrameworkEvent) {
        if let index = waiters.firstIndex(where: { $0.matches(event) }) {
            waiters.remove(at: index).continuation.resume(returning: event)
        } else {
            buffer.append(event)
        }
    }

    func next(within limit: Duration = .seconds(20), where matches: @escaping @Sendable (FrameworkEvent) -> Bool) async throws -> FrameworkEvent {
        if let index = buffer.firstIndex(where: matches) { return buffer.remove(at: index) }
        nextWaiter += 1
        let id = nextWaiter
        let guardTask = Task {
            try await Task.sleep(for: limit)
            self.expire(id)
        }
        defer { guardTask.cancel() }
        let event = await withCheckedContinuation { waiters.append((id, matches, $0)) }
        guard let event else { throw ClusterTimeout() }
        return event
    }

    private func expire(_ id: Int) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        waiters.remove(at: index).continuation.resume(returning: nil)
    }

    /// `taskID`'s update with `state`.
    func state(_ taskID: String, _ state: TaskState) async throws -> TaskStatus {
        let event = try await next { event in
            if case .update(let status) = event { status.taskID.value == taskID && status.state == state } else { false }
        }
        guard case .update(let status) = event else { throw ClusterTimeout() }
        return status
    }
}

/// The `keel-executor` binary built next to the tests.
var referenceExecutorPath: String {
    URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        .appendingPathComponent("keel-executor").path
}

@Suite("Custom executors (keel-executor as a separate process)")
struct CustomExecutorTests {
    /// Executors are separate processes, so the agent must be reachable over TCP.
    func oneAgentOverTCP(_ configureAgent: @escaping @Sendable (inout AgentConfiguration) -> Void = { _ in }) async throws
        -> LocalCluster {
        var configuration = LocalCluster.Configuration()
        configuration.network = .tcp
        configuration.agents = 1
        configuration.configureAgent = configureAgent
        return try await LocalCluster.start(configuration)
    }

    /// Tasks `t0`, `t1`, … of `executor`, each running one of `lines` (cpus 0.1, mem 16).
    static func tasks(on executor: ExecutorInfo, _ lines: [String]) -> @Sendable (AgentID) throws -> [TaskInfo] {
        { agentID in
            let resources = try Resources.parse("cpus:0.1;mem:16")
            return lines.enumerated().map { index, line in
                TaskInfo(name: "t\(index)", taskID: TaskID("t\(index)"), agentID: agentID, resources: resources,
                         executor: executor, data: Array(line.utf8))
            }
        }
    }

    func executor(_ id: String, command: CommandInfo = CommandInfo(.argv([referenceExecutorPath]))) throws -> ExecutorInfo {
        ExecutorInfo(executorID: ExecutorID(id), name: id, kind: .custom(command), resources: try Resources.parse("cpus:0.1;mem:32"))
    }

    @Test(.timeLimit(.minutes(1)))
    func tasksShareOneExecutorThatRelaysMessagesAndKills() async throws {
        let cluster = try await oneAgentOverTCP()
        let executor = try executor("exec-1")
        let (stream, continuation) = AsyncStream<FrameworkEvent>.makeStream()
        let reader = EventReader(stream)
        let scheduler = EventScheduler(events: continuation) { agentID in
            let resources = try Resources.parse("cpus:0.1;mem:16")
            return ["echo done", "sleep 30"].enumerated().map { index, line in
                TaskInfo(name: "t\(index)", taskID: TaskID("t\(index)"), agentID: agentID, resources: resources,
                         executor: executor, data: Array(line.utf8))
            }
        }
        let driver = try await cluster.startFramework(FrameworkInfo(name: "custom"), scheduler: scheduler)

        let finished = try await reader.state("t0", .finished)
        #expect(finished.executorID == ExecutorID("exec-1") && finished.source == .executor)
        #expect(finished.exitStatus == .exited(code: 0))
        let running = try await reader.state("t1", .running)
        let agentID = try #require(running.agentID)
        // Both tasks ran in the one executor container the agent launched.
        let containers = try FileManager.default.contentsOfDirectory(atPath: cluster.workDirectory + "/agent0/containers")
        #expect(containers.filter { $0.hasPrefix("executor-exec-1") }.count == 1 && containers.count == 1, "\(containers)")

        // A framework message reaches the executor, which sends it back.
        try await driver.sendMessage(Array("ping".utf8), to: executor.executorID, on: agentID)
        let echoed = try await reader.next { if case .message = $0 { true } else { false } }
        guard case .message(let message) = echoed else { return }
        #expect(message.data == Array("ping".utf8) && message.executorID == executor.executorID)

        // A kill goes through the executor.
        try await driver.kill(TaskID("t1"), agentID: agentID)
        let killed = try await reader.state("t1", .killed)
        #expect(killed.executorID == executor.executorID)

        await driver.stop()
        await cluster.shutdown()
    }

    @Test(.timeLimit(.minutes(1)))
    func anExecutorThatDiesFailsItsTasksAndTheFrameworkHearsOfIt() async throws {
        let cluster = try await oneAgentOverTCP()
        let executor = try executor("exec-crash")
        let (stream, continuation) = AsyncStream<FrameworkEvent>.makeStream()
        let reader = EventReader(stream)
        // t1 kills its own executor (the task's parent) once t0 is running.
        let scheduler = EventScheduler(events: continuation, tasks: Self.tasks(on: executor, ["sleep 30", "sleep 0.2; kill -9 $PPID"]))
        let driver = try await cluster.startFramework(FrameworkInfo(name: "crash"), scheduler: scheduler)
        _ = try await reader.state("t0", .running)
        let failed = try await reader.state("t0", .failed)
        #expect(failed.reason == .executorTerminated)
        #expect(failed.message?.contains("signal") == true, "\(failed.message ?? "")")
        let failure = try await reader.next { if case .failure = $0 { true } else { false } }
        guard case .failure(_, let executorID, let status) = failure else { return }
        #expect(executorID == executor.executorID)
        #expect(status == .signaled(signal: SIGKILL))
        await driver.stop()
        await cluster.shutdown()
    }

    @Test(.timeLimit(.minutes(1)))
    func withoutCgroupsTheTasksOfAnExecutorThatDiedAreKilledToo() async throws {
        let cluster = try await oneAgentOverTCP { $0.isolation = .posix }
        let executor = try executor("exec-posix")
        let pidFile = cluster.workDirectory + "/t0.pid"
        let (stream, continuation) = AsyncStream<FrameworkEvent>.makeStream()
        let reader = EventReader(stream)
        // t0 runs in a process group of its own (keel-executor's containerizer); t1 kills the executor.
        let scheduler = EventScheduler(events: continuation, tasks: Self.tasks(on: executor, [
            "echo $$ > \(pidFile); exec sleep 30", "while [ ! -s \(pidFile) ]; do sleep 0.01; done; kill -9 $PPID"]))
        let driver = try await cluster.startFramework(FrameworkInfo(name: "posix"), scheduler: scheduler)
        let failed = try await reader.state("t0", .failed)
        #expect(failed.reason == .executorTerminated)
        let text = try String(contentsOfFile: pidFile, encoding: .utf8)
        let pid = try #require(Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)))
        // Whether `pid` is still t0's `sleep` (not a zombie, not someone else's reused pid).
        func sleeping() -> Bool {
            let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
            return stat.hasPrefix("\(pid) (sleep) ") && !stat.contains(") Z ")
        }
        defer { if sleeping() { kill(pid, SIGKILL) } }
        // The kill was sent before the update; the process ends once it is scheduled.
        if sleeping() {
            #expect(await ProcessExitWatch.waitForExit(of: pid, within: .seconds(10)), "t0's process \(pid) outlived its executor")
        }
        await driver.stop()
        await cluster.shutdown()
    }

    @Test(.timeLimit(.minutes(1)))
    func anExecutorThatNeverRegistersIsDestroyedAndItsTasksFail() async throws {
        let cluster = try await oneAgentOverTCP { $0.executorRegistrationTimeout = .milliseconds(500) }
        let silent = try executor("silent", command: CommandInfo(.shell("sleep 30")))
        let (stream, continuation) = AsyncStream<FrameworkEvent>.makeStream()
        let reader = EventReader(stream)
        let scheduler = EventScheduler(events: continuation) { agentID in
            [TaskInfo(name: "t0", taskID: TaskID("t0"), agentID: agentID, resources: try Resources.parse("cpus:0.1;mem:16"),
                      executor: silent, data: Array("true".utf8))]
        }
        let driver = try await cluster.startFramework(FrameworkInfo(name: "silent"), scheduler: scheduler)
        let failed = try await reader.state("t0", .failed)
        #expect(failed.reason == .executorRegistrationTimeout)
        let failure = try await reader.next { if case .failure = $0 { true } else { false } }
        guard case .failure(_, let executorID, _) = failure else { return }
        #expect(executorID == silent.executorID)
        await driver.stop()
        await cluster.shutdown()
    }
}
