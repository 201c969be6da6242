import Foundation
import KeelActors
import KeelContainer
import KeelCore
import KeelFramework
import KeelProtocol
import Testing

/// A master and an agent as separate `keel` OS processes, from config files in a temporary directory.
final class ProcessCluster {
    let directory: String
    let masterPort: Int
    var master: KeelChild
    var agent: KeelChild
    let client: KeelActorSystem

    var masterEndpoint: Endpoint { Endpoint(host: "127.0.0.1", port: masterPort) }

    init(agentPingTimeout: String = "2s", isolation: String = "auto") async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("keel-proc-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        masterPort = try freePort()
        try #"""
            { "port": \#(masterPort), "stateDirectory": "\#(directory)/master", "allocationInterval": "100ms",
              "agentPingTimeout": "\#(agentPingTimeout)", "logLevel": "info" }
            """#.write(toFile: directory + "/master.json", atomically: true, encoding: .utf8)
        try #"""
            { "master": "127.0.0.1:\#(masterPort)", "workDirectory": "\#(directory)/agent", "hostname": "proc-agent",
              "resources": "cpus:2;mem:512;disk:512", "detectResources": false, "logLevel": "info",
              "isolation": "\#(isolation)" }
            """#.write(toFile: directory + "/agent.json", atomically: true, encoding: .utf8)
        master = try KeelChild(["master", "--config", directory + "/master.json"])
        _ = try await master.output.first { $0.hasPrefix("keel master listening on") }
        agent = try KeelChild(["agent", "--config", directory + "/agent.json"])
        _ = try await agent.errors.first { $0.contains("registered with the master") }
        var configuration = ActorSystemConfiguration(name: "test-client", host: "127.0.0.1", port: 0, transport: .tcp)
        configuration.busyPoll = .zero
        configuration.callTimeout = .seconds(10)
        client = try KeelActorSystem(configuration)
        registerWireTypes(on: client)
    }

    /// The master's operator API (resolved again each time: the master may have restarted).
    func operatorAPI() async throws -> $OperatorService {
        try await client.resolve($OperatorService.self, named: "master", at: masterEndpoint)
    }

    /// Restarts the master process (after a SIGKILL) on the same port and state directory.
    func restartMaster() async throws {
        master = try KeelChild(["master", "--config", directory + "/master.json"])
        _ = try await master.output.first { $0.hasPrefix("keel master listening on") }
    }

    func stop() async {
        for child in [agent, master] {
            child.signal(SIGTERM)
            _ = await child.wait()
        }
        await client.shutdown()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// Events of the in-test framework.
actor FrameworkLog: Scheduler {
    enum Event: Sendable {
        case offers([Offer])
        case rescind(OfferID)
        case update(TaskStatus)
    }

    private var events: [Event] = []
    private var waiters: [(matches: @Sendable (Event) -> Bool, continuation: CheckedContinuation<Event?, Never>)] = []

    private func append(_ event: Event) {
        if let index = waiters.firstIndex(where: { $0.matches(event) }) {
            waiters.remove(at: index).continuation.resume(returning: event)
        } else {
            events.append(event)
        }
    }

    func resourceOffers(_ driver: SchedulerDriver, offers: [Offer]) async { append(.offers(offers)) }
    func offerRescinded(_ driver: SchedulerDriver, offerID: OfferID) async { append(.rescind(offerID)) }
    func statusUpdate(_ driver: SchedulerDriver, status: TaskStatus) async { append(.update(status)) }

    /// Removes and returns the first event matching `predicate`, waiting up to `limit` for it.
    func take(within limit: Duration = .seconds(20), _ predicate: @escaping @Sendable (Event) -> Bool) async throws -> Event {
        if let index = events.firstIndex(where: predicate) { return events.remove(at: index) }
        let guardTask = Task {
            try await Task.sleep(for: limit)
            self.expireAll()
        }
        defer { guardTask.cancel() }
        guard let event = await withCheckedContinuation({ waiters.append((predicate, $0)) }) else {
            throw ProcessTestError(message: "no matching framework event within \(limit); buffered: \(events)")
        }
        return event
    }

    private func expireAll() {
        for waiter in waiters { waiter.continuation.resume(returning: nil) }
        waiters.removeAll()
    }
}

@Suite("Master, agent and frameworks as separate OS processes", .serialized)
struct ProcessClusterTests {
    @Test(.timeLimit(.minutes(2)))
    func aMasterRestartedOnItsStateDirectoryRemembersItsAgent() async throws {
        let cluster = try await ProcessCluster()
        let before = try await cluster.operatorAPI().agents()
        #expect(before.count == 1 && before.first?.state == .active)
        let agentID = try #require(before.first?.id)

        cluster.master.signal(SIGKILL)
        _ = await cluster.master.wait()
        try await cluster.restartMaster()
        // The agent notices the master went away and re-registers with its old ID, which the new master accepts
        // because its registrar recovered the admission from disk.
        _ = try await cluster.agent.errors.first { $0.contains("re-registered with the master") && $0.contains(agentID.value) }
        _ = try await cluster.master.errors.first { $0.contains("registrar recovered") && $0.contains("admitted=1") }
        let after = try await cluster.operatorAPI().agents()
        #expect(after.map(\.id) == [agentID] && after.first?.state == .active)
        await cluster.stop()
    }

    /// `auto` is Linux isolation where the tests run as root; `posix` always is POSIX.
    @Test(.timeLimit(.minutes(2)), arguments: ["auto", "posix"])
    func aSIGKILLedAgentsTasksAreLostAndItsOffersRescinded(isolation: String) async throws {
        let cluster = try await ProcessCluster(agentPingTimeout: "2s", isolation: isolation)
        let log = FrameworkLog()
        let driver = SchedulerDriver(framework: FrameworkInfo(name: "proc-fw"), scheduler: log,
                                     configuration: SchedulerDriverConfiguration(master: cluster.masterEndpoint),
                                     actorSystem: cluster.client)
        _ = try await driver.start()
        guard case .offers(let offers) = try await log.take({ if case .offers = $0 { true } else { false } }),
              let offer = offers.first else { throw ProcessTestError(message: "no offer") }
        let pidFile = cluster.directory + "/task.pid"
        let task = TaskInfo(name: "long", taskID: TaskID("long"), agentID: offer.agentID,
                            resources: try Resources.parse("cpus:1;mem:64"),
                            command: CommandInfo(.shell("echo $$ > \(pidFile); exec sleep 60")))
        try await driver.launch([task], on: [offer.id])
        _ = try await log.take { if case .update(let status) = $0 { status.state == .running } else { false } }
        // The remainder comes back as a new offer, which the framework keeps.
        guard case .offers(let rest) = try await log.take({ if case .offers = $0 { true } else { false } }),
              let kept = rest.first else { throw ProcessTestError(message: "no second offer") }
        // With Linux isolation the task runs in its own pid namespace (its `$$` is not a host pid) and cgroups.
        let linux = offer.attributes["keel.isolation"]?.description == "linux"
        // The task's pid (POSIX isolation: a host pid) and whether it still runs as the task's `sleep`.
        func taskProcess() -> (pid: pid_t, running: Bool)? {
            guard !linux, let text = try? String(contentsOfFile: pidFile, encoding: .utf8),
                  let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) else { return nil }
            let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
            return (pid, stat.hasPrefix("\(pid) (sleep) ") && !stat.contains(") Z "))
        }
        defer {
            // Should the test stop before the restarted agent killed it: end the task we started (only if that pid
            // is still our `sleep`).
            if let (pid, running) = taskProcess(), running { kill(pid, SIGKILL) }
        }

        let killedAt = ContinuousClock.now
        cluster.agent.signal(SIGKILL)
        _ = await cluster.agent.wait()
        let lost = try await log.take { if case .update(let status) = $0 { status.state == .lost } else { false } }
        guard case .update(let status) = lost else { return }
        #expect(status.taskID == TaskID("long") && status.reason == .agentRemoved)
        _ = try await log.take { if case .rescind(let id) = $0 { id == kept.id } else { false } }
        // Within the configured agent ping timeout (2 s); a dead process is noticed sooner (its connection closes).
        #expect(ContinuousClock.now - killedAt < .seconds(2), "took \(ContinuousClock.now - killedAt)")
        #expect(try await cluster.operatorAPI().agents().first?.state == .unreachable)
        // An agent restarted on the same work directory kills (Linux: and removes) the orphaned container; stopping
        // it then removes its cgroup root: nothing is left under keel/.
        cluster.agent = try KeelChild(["agent", "--config", cluster.directory + "/agent.json"])
        _ = try await cluster.agent.errors.first { $0.contains("removed an orphaned container") }
        if !linux {
            let before = try #require(taskProcess(), "the task wrote no pid file")
            #expect(before.pid > 1)
            // The SIGKILL was sent; the process ends once it is scheduled.
            if taskProcess()?.running == true {
                #expect(await ProcessExitWatch.waitForExit(of: before.pid, within: .seconds(10)),
                        "the orphaned task \(before.pid) still runs")
            }
        }
        await driver.stop()
        await cluster.stop()
    }

    @Test(.timeLimit(.minutes(2)))
    func aSIGKILLedFrameworkReattachesWithItsIDAndItsTaskKeepsRunning() async throws {
        let cluster = try await ProcessCluster()
        let master = "127.0.0.1:\(cluster.masterPort)"
        let first = try KeelChild(["run", "--master", master, "--", "sh", "-c", "echo started; sleep 3; exit 5"])
        let hint = try await first.errors.first { $0.contains("reattach with:") }
        _ = try await first.errors.first { $0.contains("TASK_RUNNING") }
        _ = try await first.output.first { $0 == "started" }
        first.signal(SIGKILL)
        _ = await first.wait()
        let words = hint.split(separator: " ").map(String.init)
        let frameworkID = try #require(words.firstIndex(of: "--framework-id").map { words[$0 + 1] })
        let taskID = try #require(words.firstIndex(of: "--attach").map { words[$0 + 1].trimmingCharacters(in: CharacterSet(charactersIn: ")")) })

        // The framework is failing over, not removed: its task still runs.
        let tasks = try await cluster.operatorAPI().tasks(frameworkID: FrameworkID(frameworkID))
        #expect(tasks.map(\.taskID.value) == [taskID] && tasks.first?.state == .running)

        let second = try KeelChild(["run", "--master", master, "--framework-id", frameworkID, "--attach", taskID])
        let status = await second.wait()
        let lines = await second.errors.all
        #expect(status == 5, "\(lines)")
        #expect(lines.contains { $0.contains("TASK_RUNNING") && $0.contains("REASON_RECONCILIATION") }, "\(lines)")
        #expect(lines.contains { $0.contains("TASK_FAILED") && $0.contains("exited with code 5") }, "\(lines)")
        // The output written before the failover is still there for the reattached run.
        #expect(await second.output.all == ["started"])
        await cluster.stop()
    }
}
