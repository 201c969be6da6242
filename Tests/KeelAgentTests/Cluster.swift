import Foundation
import KeelActors
import KeelAgent
import KeelCore
import KeelProtocol

/// One fake master and one real agent, each on its own `KeelActorSystem`, over a `MemoryNetwork`; tasks run as
/// real processes in a temporary work directory.
struct Cluster {
    static let masterEndpoint = Endpoint(host: "master-host", port: 5050)
    let network: MemoryNetwork
    var masterSystem: KeelActorSystem
    var master: FakeMaster
    var log: EventLog
    let agentSystem: KeelActorSystem
    let agent: AgentActor
    let workDirectory: String
    let framework = FrameworkInfo(id: FrameworkID("fw-1"), name: "agent-tests")

    static func system(_ name: String, port: Int, on network: MemoryNetwork) throws -> KeelActorSystem {
        var configuration = ActorSystemConfiguration(name: name, host: name, port: port, transport: .memory(network))
        configuration.busyPoll = .zero
        configuration.callTimeout = .seconds(10)
        let system = try KeelActorSystem(configuration)
        KeelProtocol.registerWireTypes(on: system)
        return system
    }

    static func startMaster(on network: MemoryNetwork, autoAcknowledge: Bool) throws -> (KeelActorSystem, FakeMaster, EventLog) {
        let system = try Cluster.system(masterEndpoint.host, port: masterEndpoint.port, on: network)
        let log = EventLog()
        let master = try system.makeActor(named: "master") {
            FakeMaster(actorSystem: system, log: log, autoAcknowledge: autoAcknowledge)
        }
        return (system, master, log)
    }

    /// Starts both sides and the agent's registration. `adjust` edits the agent's configuration.
    init(autoAcknowledge: Bool = true, _ adjust: (inout AgentConfiguration) throws -> Void = { _ in }) async throws {
        network = MemoryNetwork(seed: 7)
        (masterSystem, master, log) = try Cluster.startMaster(on: network, autoAcknowledge: autoAcknowledge)
        agentSystem = try Cluster.system("agent-host", port: 5051, on: network)
        workDirectory = FileManager.default.temporaryDirectory
            .appendingPathComponent("keel-agent-tests-\(UUID().uuidString)").path
        var configuration = AgentConfiguration(master: Cluster.masterEndpoint, workDirectory: workDirectory,
                                               hostname: "agent-host.test", resources: try Resources.parse("cpus:2;mem:512"),
                                               detectResources: false, registrationBackoffInitial: .milliseconds(20),
                                               registrationBackoffMax: .milliseconds(200),
                                               statusUpdateRetryInitial: .seconds(30), statusUpdateRetryMax: .seconds(60))
        try adjust(&configuration)
        agent = AgentActor(actorSystem: agentSystem, configuration: configuration)
        await agent.start()
        guard await agent.waitUntilRegistered() == AgentID("agent-1") else { throw TimedOut(waitingFor: "registration") }
    }

    /// Replaces the master by a new incarnation on the same endpoint (the old node is shut down first).
    mutating func restartMaster(autoAcknowledge: Bool = true) async throws {
        await masterSystem.shutdown()
        (masterSystem, master, log) = try Cluster.startMaster(on: network, autoAcknowledge: autoAcknowledge)
    }

    func task(_ id: String, _ command: CommandInfo, gracePeriod: Duration? = nil) throws -> TaskInfo {
        TaskInfo(name: id, taskID: TaskID(id), agentID: AgentID("agent-1"), resources: try Resources.parse("cpus:0.1"),
                 command: command, killPolicy: gracePeriod.map { KillPolicy(gracePeriod: $0) })
    }

    /// Waits for the registration, then launches `task` through the agent's `AgentService` as the master would.
    func run(_ task: TaskInfo) async throws {
        try await master.whenLocal { master in try await master.agent().runTasks(RunTasksRequest(framework: framework, task: task)) }
    }

    /// The next status update of `taskID` whose state satisfies `predicate`.
    func nextUpdate(_ taskID: String, _ what: String = "an update",
                    where predicate: @escaping @Sendable (StatusUpdate) -> Bool = { _ in true }) async throws -> StatusUpdate {
        let event = try await log.next("\(what) of \(taskID)") { event in
            guard let update = event.update, update.status.taskID == TaskID(taskID) else { return false }
            return predicate(update)
        }
        guard let update = event.update else { throw TimedOut(waitingFor: what) }
        return update
    }

    func acknowledge(_ update: StatusUpdate) async throws {
        try await master.whenLocal { master in try await master.acknowledgeUpdate(update) }
    }

    func stop() async {
        await agent.shutdown()
        await agentSystem.shutdown()
        await masterSystem.shutdown()
        try? FileManager.default.removeItem(atPath: workDirectory)
    }
}
