import Foundation
import Glibc
import KeelActors
import KeelAgent
import KeelAllocator
import KeelCore
import KeelFramework
import KeelLog
import KeelMaster
import KeelProtocol

/// The Mesos paper's scalability setup in one process: many agents whose tasks run in ``FakeContainerizer``s,
/// many frameworks launching tasks of mean 30 s ± 10 s (time compressed), and the launch overhead measured from a
/// framework's accept call to the task's RUNNING update arriving at that framework.
///
/// Three nodes on one ``MemoryNetwork``: the master on its own node, every agent on a second node, every framework
/// on a third — the master's traffic crosses the actor runtime exactly as it would between hosts, while 50,000
/// agents stay runnable on a couple of cores. `keel-bench scale` runs it at 50,000 agents; the tests at 50.
public enum ScaleScenario {
    /// Settings of a run.
    public struct Configuration: Sendable {
        /// How many agents. Default 50,000.
        public var agents = 50_000
        /// How many frameworks. Default 200.
        public var frameworks = 200
        /// What each agent offers. Default `cpus:8;mem:16384`.
        public var agentResources = "cpus:8;mem:16384"
        /// What each task uses. Default `cpus:1;mem:128`.
        public var taskResources = "cpus:1;mem:128"
        /// Mean task duration before compression. Default 30 s (the paper).
        public var taskMeanSeconds = 30.0
        /// Half-width of the uniform spread of task durations. Default 10 s.
        public var taskSpreadSeconds = 10.0
        /// Real time is this many times faster for tasks (a 30 s task lasts 30 s / compression). Default 100.
        public var timeCompression = 100.0
        /// Tasks each framework keeps in flight. Default 1.
        public var tasksPerFramework = 1
        /// How long frameworks keep launching after the warm-up. Default 20 s.
        public var duration: Duration = .seconds(20)
        /// How long launches run before measurements start. Default 3 s.
        public var warmUp: Duration = .seconds(3)
        /// The master's settings. Default: ``MasterConfiguration`` defaults (1 s allocation interval, 15 s pings).
        public var master = MasterConfiguration()
        /// Log level of every node. Default `warning`.
        public var logLevel: LogLevel = .warning

        /// The defaults (the full-size run).
        public init() {}
    }

    /// What a run measured.
    public struct Result: Sendable {
        /// Agents registered / frameworks subscribed.
        public var agents = 0
        public var frameworks = 0
        /// Accept call → RUNNING at the framework, milliseconds, for launches after the warm-up.
        public var overheadsMilliseconds: [Double] = []
        /// Tasks that reached RUNNING / FINISHED (whole run, warm-up included).
        public var reachedRunning = 0
        public var finished = 0
        /// Offers the frameworks received, and in how many calls (whole run).
        public var offersReceived = 0
        public var offerCalls = 0
        /// Terminal states other than FINISHED and failed launches, described.
        public var failures: [String] = []
        /// Seconds the agents took to register.
        public var registrationSeconds = 0.0
        /// Seconds the master took to tear down every framework, one after another, at the end (each teardown
        /// awaited before the next).
        public var teardownSeconds = 0.0
        /// Whether, after every task ended and every held offer was declined, the allocator showed nothing allocated.
        public var resourcesReturned = false
        /// When ``resourcesReturned`` is false: what was still allocated.
        public var allocationLeft = ""
        /// Peak resident set size of the whole process (master, agents and frameworks), MiB.
        public var peakRSSMiB = 0.0
        /// Resident set size growth while the master admitted the agents (master and agent state), MiB.
        public var registrationRSSGrowthMiB = 0.0
    }

    /// Runs the scenario: starts the nodes, registers the agents, subscribes the frameworks, lets them launch for
    /// `warmUp + duration`, drains, checks that resources went back, and shuts everything down.
    public static func run(_ configuration: Configuration) async throws -> Result {
        let network = MemoryNetwork()
        let masterNode = try makeNode("master", network: network, level: configuration.logLevel)
        let agentNode = try makeNode("agents", network: network, level: configuration.logLevel)
        let frameworkNode = try makeNode("frameworks", network: network, level: configuration.logLevel)
        let master = try masterNode.makeActor(named: "master") {
            MasterActor(actorSystem: masterNode, configuration: configuration.master,
                        logger: Logger(label: "keel.master", level: configuration.logLevel))
        }
        await master.whenLocal { $0.startTimers() }
        var result = Result()
        var agents: [AgentActor] = []
        var drivers: [SchedulerDriver] = []
        do {
            let resources = try Resources.parse(configuration.agentResources)
            let rssBefore = currentRSSMiB()
            let registrationStart = now()
            agents.reserveCapacity(configuration.agents)
            for index in 0..<configuration.agents {
                var settings = AgentConfiguration(master: masterNode.endpoint, workDirectory: "/nonexistent/keel-scale",
                                                  hostname: "agent\(index)", resources: resources, detectResources: false,
                                                  registrationBackoffInitial: .milliseconds(200),
                                                  registrationBackoffMax: .seconds(5))
                settings.killGracePeriod = .zero
                let agent = AgentActor(actorSystem: agentNode, configuration: settings,
                                       containerizer: FakeContainerizer(timeCompression: configuration.timeCompression),
                                       logger: Logger(label: "keel.agent", level: configuration.logLevel))
                await agent.start()
                agents.append(agent)
            }
            for agent in agents where await agent.waitUntilRegistered() != nil { result.agents += 1 }
            result.registrationSeconds = Double(now() - registrationStart) / 1e9
            result.registrationRSSGrowthMiB = currentRSSMiB() - rssBefore

            let settings = ScaleFramework.Settings(
                concurrency: configuration.tasksPerFramework, taskResources: try Resources.parse(configuration.taskResources),
                meanSeconds: configuration.taskMeanSeconds, spreadSeconds: configuration.taskSpreadSeconds,
                seed: 0)
            var schedulers: [ScaleFramework] = []
            for index in 0..<configuration.frameworks {
                var frameworkSettings = settings
                frameworkSettings.seed = UInt64(index) &+ 1
                let scheduler = ScaleFramework(settings: frameworkSettings)
                let driver = SchedulerDriver(framework: FrameworkInfo(name: "scale-\(index)"), scheduler: scheduler,
                                             configuration: SchedulerDriverConfiguration(master: masterNode.endpoint),
                                             actorSystem: frameworkNode,
                                             logger: Logger(label: "keel.framework", level: configuration.logLevel))
                schedulers.append(scheduler)
                drivers.append(driver)
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for driver in drivers { group.addTask { _ = try await driver.start() } }
                try await group.waitForAll()
            }
            result.frameworks = drivers.count

            try await Task.sleep(for: configuration.warmUp)
            for scheduler in schedulers { await scheduler.resetMeasurements() }
            try await Task.sleep(for: configuration.duration)
            await withTaskGroup(of: Void.self) { group in
                for scheduler in schedulers { group.addTask { await scheduler.drain() } }
            }
            for (scheduler, driver) in zip(schedulers, drivers) {
                result.overheadsMilliseconds += await scheduler.overheadsMilliseconds
                result.reachedRunning += await scheduler.reachedRunning
                result.finished += await scheduler.finished
                result.failures += await scheduler.failed
                result.offersReceived += await scheduler.offersReceived
                result.offerCalls += await scheduler.offerCalls
                try? await driver.suppress()
                await scheduler.releaseOffers(driver)
            }
            (result.resourcesReturned, result.allocationLeft) = await nothingAllocated(master)
            result.peakRSSMiB = peakRSSMiB()
        } catch {
            _ = await shutdown(drivers: drivers, agents: agents, master: master,
                               nodes: [frameworkNode, agentNode, masterNode])
            throw error
        }
        result.teardownSeconds = await shutdown(drivers: drivers, agents: agents, master: master,
                                                nodes: [frameworkNode, agentNode, masterNode])
        return result
    }

    /// Whether the allocator holds no allocation: every task's resources and every declined offer came back. Offers
    /// declined just now may still be on their way, so it looks again for up to 10 s.
    static func nothingAllocated(_ master: MasterActor) async -> (Bool, String) {
        var detail = ""
        for _ in 0..<200 {
            let (allocated, offers, live) = await master.whenLocal { master in
                (master.allocatorSnapshot().agents.filter { !$0.allocations.isEmpty }.count, master.state.offers.count,
                 master.state.tasks.values.reduce(0) { $0 + $1.values.filter { !$0.state.isTerminal }.count })
            } ?? (-1, -1, -1)
            if allocated == 0 { return (true, "") }
            detail = "\(allocated) agents still allocated, \(offers) offers outstanding, \(live) live tasks"
            try? await Task.sleep(for: .milliseconds(50))
        }
        return (false, detail)
    }

    /// Stops everything; returns the seconds the frameworks' teardowns took.
    private static func shutdown(drivers: [SchedulerDriver], agents: [AgentActor], master: MasterActor,
                                 nodes: [KeelActorSystem]) async -> Double {
        let teardownStart = now()
        for driver in drivers { await driver.stop() }
        let teardown = Double(now() - teardownStart) / 1e9
        for agent in agents { await agent.shutdown() }
        await master.whenLocal { $0.stopTimers() }
        for node in nodes { await node.shutdown() }
        return teardown
    }

    private static func makeNode(_ name: String, network: MemoryNetwork, level: LogLevel) throws -> KeelActorSystem {
        var configuration = ActorSystemConfiguration(name: name, host: name, transport: .memory(network))
        configuration.logger = Logger(label: "keel.actors", level: level)
        // Three loops share a couple of cores: spinning would only steal each other's CPU.
        configuration.busyPoll = .zero
        let system = try KeelActorSystem(configuration)
        registerWireTypes(on: system)
        return system
    }

    /// Monotonic nanoseconds.
    static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }

    static func peakRSSMiB() -> Double { statusField("VmHWM:") }
    static func currentRSSMiB() -> Double { statusField("VmRSS:") }

    private static func statusField(_ name: String) -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix(name) {
            return (line.split(separator: " ").compactMap { Double($0) }.first ?? 0) / 1024
        }
        return 0
    }
}
