import Foundation
import KeelActors
import KeelAgent
import KeelContainer
import KeelCore
import KeelFramework
import KeelLog
import KeelMaster
import KeelProtocol
import Synchronization

/// A whole Keel cluster in one process — a master and agents, each on its own node — for tests,
/// demos and framework authors. The nodes talk over the in-memory network or real TCP on
/// loopback; the API is the same. Tasks run as real processes through the POSIX containerizer,
/// each agent under its own work directory.
public final class LocalCluster: Sendable {
    /// How the cluster's nodes reach each other.
    public enum Network: Sendable {
        /// The in-process ``MemoryNetwork`` (fault injection available through ``memoryNetwork``).
        case memory
        /// TCP on 127.0.0.1 with ephemeral ports.
        case tcp
    }

    /// Settings of a local cluster.
    public struct Configuration: Sendable {
        /// How nodes talk. Default `.memory`.
        public var network: Network = .memory
        /// How many agents. Default 2.
        public var agents = 2
        /// What each agent offers (text format). Default `cpus:2;mem:1024;disk:1024;ports:[31000-32000]`.
        public var agentResources = "cpus:2;mem:1024;disk:1024;ports:[31000-32000]"
        /// The master's settings; the default allocates every 100 ms.
        public var master: MasterConfiguration = {
            var master = MasterConfiguration()
            master.allocationInterval = .milliseconds(100)
            return master
        }()
        /// Where agents keep their sandboxes; default: a new directory under the system's temporary directory.
        public var workDirectory: String?
        /// Log level of every node. Default `warning`.
        public var logLevel: LogLevel = .warning
        /// Adjusts each agent's settings after the cluster's defaults are applied. Default: nothing.
        public var configureAgent: @Sendable (inout AgentConfiguration) -> Void = { _ in }
        /// Makes agent `index`'s containerizer from its final settings (e.g. a ``FakeContainerizer``, or one that
        /// records what the agent asks of it). Default `nil`: the agent chooses by ``AgentConfiguration/isolation``.
        public var makeContainerizer: (@Sendable (_ index: Int, _ agent: AgentConfiguration) -> any Containerizer)?

        /// The defaults.
        public init() {}
    }

    /// The in-memory network, when ``Configuration/network`` is `.memory`.
    public let memoryNetwork: MemoryNetwork?
    /// The master's node.
    public let masterSystem: KeelActorSystem
    /// The master.
    public let master: MasterActor
    /// The agents, in creation order.
    public let agents: [AgentActor]
    /// The agents' nodes.
    public let agentSystems: [KeelActorSystem]
    /// The directory holding the agents' work directories.
    public let workDirectory: String
    private let configuration: Configuration
    private let frameworkSystems = Mutex<[KeelActorSystem]>([])

    private init(configuration: Configuration, memoryNetwork: MemoryNetwork?, masterSystem: KeelActorSystem, master: MasterActor,
                 agents: [AgentActor], agentSystems: [KeelActorSystem], workDirectory: String) {
        self.configuration = configuration
        self.memoryNetwork = memoryNetwork
        self.masterSystem = masterSystem
        self.master = master
        self.agents = agents
        self.agentSystems = agentSystems
        self.workDirectory = workDirectory
    }

    /// Starts a master and the agents, and waits until every agent is registered.
    public static func start(_ configuration: Configuration = Configuration()) async throws -> LocalCluster {
        let network: MemoryNetwork? = configuration.network == .memory ? MemoryNetwork() : nil
        let work = configuration.workDirectory
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("keel-local-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        let masterSystem = try makeNode("master", network: network, level: configuration.logLevel)
        let master = try masterSystem.makeActor(named: "master") {
            MasterActor(actorSystem: masterSystem, configuration: configuration.master,
                        logger: Logger(label: "keel.master", level: configuration.logLevel))
        }
        await master.whenLocal { $0.startTimers() }
        let resources = try Resources.parse(configuration.agentResources)
        var agents: [AgentActor] = []
        var agentSystems: [KeelActorSystem] = []
        for index in 0..<configuration.agents {
            let system = try makeNode("agent\(index)", network: network, level: configuration.logLevel)
            var agentConfiguration = AgentConfiguration(
                master: masterSystem.endpoint, workDirectory: "\(work)/agent\(index)", hostname: "agent\(index)",
                resources: resources, detectResources: false,
                registrationBackoffInitial: .milliseconds(20), registrationBackoffMax: .seconds(1),
                statusUpdateRetryInitial: .seconds(1), statusUpdateRetryMax: .seconds(10))
            agentConfiguration.killGracePeriod = .seconds(2)
            configuration.configureAgent(&agentConfiguration)
            let agent = AgentActor(actorSystem: system, configuration: agentConfiguration,
                                   containerizer: configuration.makeContainerizer?(index, agentConfiguration),
                                   logger: Logger(label: "keel.agent", level: configuration.logLevel))
            await agent.start()
            agents.append(agent)
            agentSystems.append(system)
        }
        for agent in agents { _ = await agent.waitUntilRegistered() }
        return LocalCluster(configuration: configuration, memoryNetwork: network, masterSystem: masterSystem, master: master,
                            agents: agents, agentSystems: agentSystems, workDirectory: work)
    }

    /// A new node for a framework (or any other client) on the cluster's network.
    public func makeNode(_ name: String) throws -> KeelActorSystem {
        let system = try Self.makeNode(name, network: memoryNetwork, level: configuration.logLevel)
        frameworkSystems.withLock { $0.append(system) }
        return system
    }

    /// Starts a framework: a node of its own, a ``SchedulerDriver`` subscribed to the master.
    public func startFramework(_ framework: FrameworkInfo, scheduler: any Scheduler) async throws -> SchedulerDriver {
        let system = try makeNode(framework.name)
        let driver = SchedulerDriver(framework: framework, scheduler: scheduler,
                                     configuration: SchedulerDriverConfiguration(master: masterSystem.endpoint), actorSystem: system)
        _ = try await driver.start()
        return driver
    }

    /// Stops every agent (killing their tasks), the master and all nodes, and removes the work directory.
    public func shutdown() async {
        for agent in agents { await agent.shutdown() }
        await master.whenLocal { $0.stopTimers() }
        for system in frameworkSystems.withLock({ $0 }) { await system.shutdown() }
        for system in agentSystems { await system.shutdown() }
        await masterSystem.shutdown()
        try? FileManager.default.removeItem(atPath: workDirectory)
    }

    private static func makeNode(_ name: String, network: MemoryNetwork?, level: LogLevel) throws -> KeelActorSystem {
        var configuration: ActorSystemConfiguration
        if let network {
            configuration = ActorSystemConfiguration(name: name, host: name, transport: .memory(network))
        } else {
            configuration = ActorSystemConfiguration(name: name, host: "127.0.0.1", transport: .tcp)
        }
        configuration.logger = Logger(label: "keel.actors", level: level)
        configuration.heartbeatInterval = .milliseconds(200)
        configuration.heartbeatTimeout = .seconds(3)
        // Many nodes share a few cores here: spinning loops would only steal each other's CPU.
        configuration.busyPoll = .zero
        let system = try KeelActorSystem(configuration)
        registerWireTypes(on: system)
        return system
    }
}
