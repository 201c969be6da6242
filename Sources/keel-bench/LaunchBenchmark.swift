import Foundation
import Glibc
import KeelActors
import KeelCore
import KeelFramework
import KeelLog
import KeelProtocol

/// `keel-bench launch`: `/bin/true` tasks through a real cluster — master, agent and framework each a separate OS
/// process, talking over loopback TCP.
///
/// The master and the agent are `keel-bench node master|agent` children configured by generated config files (the
/// same KeelConfig path as `keel master --config` / `keel agent --config`). The framework runs in this process. In
/// the same run, a plain `posix_spawn` + `waitpid` loop of `/bin/true` gives the floor.
///
/// Tuning (legitimate, and printed): one big agent (`cpus:32;mem:32768`), tasks of `cpus:0.01;mem:8` so one offer
/// holds every queued task; the framework keeps offers it does not use yet and accepts with a zero refuse filter, so
/// the unused part is re-offered at once (the master allocates on every accept, decline and finished task); the
/// periodic allocation runs every 50 ms instead of 1 s; sandboxes go to tmpfs (`/dev/shm`) where it exists — on this
/// VM's ext4, creating thousands of sandbox directories (after earlier runs deleted thousands) made the agent spend
/// most of its time in the inode allocator, halving the rate (`--work-dir` picks another place).
enum LaunchBenchmark {
    static let agentResources = "cpus:32;mem:32768;disk:1024"
    static let taskResources = "cpus:0.01;mem:8"
    static let allocationInterval = "50ms"

    struct Options {
        var json = false
        var tasks = 2_000
        var latencyTasks = 100
        var isolation = "posix"
        /// Where the agent's work directory (the task sandboxes) goes. Default: `/dev/shm` (tmpfs) where it exists,
        /// so the figure measures Keel rather than the disk's inode allocator; else the system's temporary directory.
        var workRoot = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : FileManager.default.temporaryDirectory.path

        init(arguments: [String]) throws {
            json = arguments.contains("--json")
            if arguments.contains("--quick") {
                tasks = 300
                latencyTasks = 30
            }
            var rest = arguments[...]
            while let argument = rest.popFirst() {
                switch argument {
                case "--json", "--quick": continue
                case "--tasks":
                    guard let value = rest.popFirst().flatMap({ Int($0) }), value > 0 else { throw BenchError("--tasks: expected a positive integer") }
                    tasks = value
                case "--latency-tasks":
                    guard let value = rest.popFirst().flatMap({ Int($0) }), value > 0 else { throw BenchError("--latency-tasks: expected a positive integer") }
                    latencyTasks = value
                case "--isolation":
                    guard let value = rest.popFirst(), ["posix", "linux"].contains(value) else {
                        throw BenchError("--isolation: expected posix or linux")
                    }
                    isolation = value
                case "--work-dir":
                    guard let value = rest.popFirst(), value.hasPrefix("/") else { throw BenchError("--work-dir: expected an absolute path") }
                    workRoot = value
                default: throw BenchError("launch: unknown option \(argument)")
                }
            }
        }
    }

    struct Result {
        /// The faster of the floors measured before and after the cluster run (the stricter reference).
        var floorPerSecond = 0.0
        var floorBefore = 0.0
        var floorAfter = 0.0
        var tasksPerSecond = 0.0
        var latencies: [Double] = []
    }

    static func run(arguments: [String]) async throws {
        let options = try Options(arguments: arguments)
        let floorCount = max(options.tasks, 500)
        // The floor does what the agent's containerizer must do at least: spawn + wait, plus, under Linux isolation,
        // create cgroups, attach and remove them (issue 6's reference).
        let linux = options.isolation == "linux"
        func floor(_ count: Int) throws -> Double {
            linux ? try isolationFloorSpawnsPerSecond(count: count) : try spawnFloor(count: count)
        }
        let floorBefore = try floor(floorCount)
        let work = URL(fileURLWithPath: options.workRoot).appendingPathComponent("keel-bench-launch-\(getpid())").path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        var nodes: [NodeProcess] = []
        let outcome: Swift.Result<Result, any Error>
        do {
            outcome = .success(try await measure(options, work: work, nodes: &nodes))
        } catch {
            outcome = .failure(error)
        }
        for node in nodes.reversed() { await node.stop() }
        try? FileManager.default.removeItem(atPath: work)
        var result = try outcome.get()
        result.floorBefore = floorBefore
        result.floorAfter = try floor(floorCount)
        result.floorPerSecond = max(result.floorBefore, result.floorAfter)
        report(result, options)
    }

    /// Starts the nodes (appended to `nodes` so the caller stops them whatever happens) and runs the workload.
    static func measure(_ options: Options, work: String, nodes: inout [NodeProcess]) async throws -> Result {
        let masterFile = "\(work)/master.json"
        try write(masterFile, """
            {"host": "127.0.0.1", "port": 0, "allocationInterval": "\(allocationInterval)", "logLevel": "warning"}
            """)
        let master = try NodeProcess(name: "master", arguments: ["master", "--config", masterFile], errorPath: "\(work)/master.err")
        nodes.append(master)
        let masterPort = try await master.ready()
        let agentFile = "\(work)/agent.json"
        try write(agentFile, """
            {"master": "127.0.0.1:\(masterPort)", "workDirectory": "\(work)/agent", "hostname": "bench-agent",
             "resources": "\(agentResources)", "detectResources": false, "logLevel": "warning",
             "isolation": "\(options.isolation)"}
            """)
        let agent = try NodeProcess(name: "agent", arguments: ["agent", "--config", agentFile], errorPath: "\(work)/agent.err")
        nodes.append(agent)
        _ = try await agent.ready()

        var configuration = ActorSystemConfiguration(name: "bench-framework", host: "127.0.0.1", port: 0, transport: .tcp)
        configuration.logger = Logger(label: "keel.actors", level: .warning)
        let system = try KeelActorSystem(configuration)
        registerWireTypes(on: system)
        let scheduler = LaunchScheduler(command: .argv(["/bin/true"]), perTask: try Resources.parse(taskResources))
        let driver = SchedulerDriver(framework: FrameworkInfo(name: "keel-bench-launch"), scheduler: scheduler,
                                     configuration: SchedulerDriverConfiguration(master: Endpoint(host: "127.0.0.1", port: masterPort)),
                                     actorSystem: system, logger: Logger(label: "keel.framework", level: .warning))
        var result = Result()
        do {
            _ = try await driver.start()
            // The agent must enforce what was asked: an agent that fell back to POSIX would make a linux figure a lie.
            let api = try await system.resolve($OperatorService.self, named: "master", at: Endpoint(host: "127.0.0.1", port: masterPort))
            let enforced = try await api.agents().first?.attributes.first { $0.name == "keel.isolation" }?.value.description
            guard enforced == options.isolation else {
                throw BenchError("the agent enforces \(enforced ?? "no advertised") isolation, not \(options.isolation) "
                                 + "(linux needs root, cgroups and keel-launcher built next to keel-bench: swift build -c release)")
            }
            // Warm-up: connections, code paths, the agent's first sandboxes.
            await scheduler.run(min(50, options.tasks), driver: driver)
            for _ in 0..<10 { await scheduler.run(1, driver: driver) }

            let start = Bench.now()
            await scheduler.run(options.tasks, driver: driver)
            try await scheduler.fence(driver)
            result.tasksPerSecond = Double(options.tasks) / (Double(Bench.now() - start) / 1e9)

            let before = await scheduler.latencies.count
            for _ in 0..<options.latencyTasks { await scheduler.run(1, driver: driver) }
            result.latencies = Array(await scheduler.latencies[before...])
            let outcome = await scheduler.outcome
            if outcome.failed > 0 {
                throw BenchError("\(outcome.failed) task(s) did not finish; first: \(outcome.firstFailure ?? "?")")
            }
        } catch {
            await driver.stop()
            await system.shutdown()
            throw error
        }
        await driver.stop()
        await system.shutdown()
        return result
    }

    static func report(_ result: Result, _ options: Options) {
        let ratio = result.tasksPerSecond / result.floorPerSecond
        let p50 = Bench.percentile(result.latencies, 0.5)
        let p99 = Bench.percentile(result.latencies, 0.99)
        if options.json {
            print(Bench.json([
                ("tasks", options.tasks), ("isolation", options.isolation), ("work_dir", options.workRoot),
                ("floor_before_per_s", result.floorBefore), ("floor_after_per_s", result.floorAfter),
                ("floor_spawn_per_s", result.floorPerSecond), ("tasks_per_s", result.tasksPerSecond), ("ratio", ratio),
                ("latency_p50_ms", p50), ("latency_p99_ms", p99), ("latency_samples", result.latencies.count),
            ]))
        } else {
            print("launch benchmark — \(options.tasks) /bin/true tasks through one agent; master, agent and framework are "
                  + "separate processes over loopback TCP (\(options.isolation) isolation)")
            print("  tuning: agent \(agentResources), tasks \(taskResources), allocation interval \(allocationInterval), "
                  + "unused offer parts re-offered at once (refuse filter 0 s), sandboxes under \(options.workRoot)")
            let floorName = options.isolation == "linux"
                ? "mkdir cgroups + spawn + attach + wait + rmdir" : "posix_spawn + waitpid of /bin/true"
            print("  floor (sequential, one core): \(floorName)   \(Int(result.floorPerSecond)) spawns/s (faster of "
                  + "before \(Int(result.floorBefore)) and after \(Int(result.floorAfter)))")
            print("  tasks (submit → FINISHED acknowledged)      \(Int(result.tasksPerSecond)) tasks/s   ratio "
                  + "\(Bench.format(ratio, 2)) (target ≥ 0.5; Slurm ≈ 50 jobs/s)")
            print("  single task, sequential, submit → FINISHED  p50 \(Bench.format(p50, 2)) ms   p99 \(Bench.format(p99, 2)) ms "
                  + "over \(result.latencies.count) tasks (target p50 < 5 ms; Slurm `srun true` ≈ 35 ms)")
        }
    }

    /// Spawns `/bin/true` `count` times, one after another, with `posix_spawn` and `waitpid`; spawns per second.
    static func spawnFloor(count: Int) throws -> Double {
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/true"), nil]
        defer { free(argv[0]) }
        let envp: [UnsafeMutablePointer<CChar>?] = [nil]
        for _ in 0..<20 { try spawnTrue(argv, envp) }
        let start = Bench.now()
        for _ in 0..<count { try spawnTrue(argv, envp) }
        return Double(count) / (Double(Bench.now() - start) / 1e9)
    }

    private static func spawnTrue(_ argv: [UnsafeMutablePointer<CChar>?], _ envp: [UnsafeMutablePointer<CChar>?]) throws {
        var pid: pid_t = 0
        let code = posix_spawn(&pid, "/bin/true", nil, nil, argv, envp)
        guard code == 0 else { throw BenchError("posix_spawn /bin/true failed: errno \(code)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    }

    private static func write(_ path: String, _ text: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }
}
