import Distributed
import KeelActors
import KeelAllocator
import KeelCore
import KeelProtocol
import Synchronization
import Testing
@testable import KeelMaster

/// A master on its own node plus helpers that start agents and frameworks on further nodes of one
/// `MemoryNetwork`. Time is a `ManualClock`; call `tick(after:)` to move it and run the master's timers.
final class Cluster: Sendable {
    let network = MemoryNetwork(seed: 42)
    let clock = ManualClock()
    let masterSystem: KeelActorSystem
    let master: MasterActor
    let nodes = Mutex<[KeelActorSystem]>([])
    /// Keeps the fakes alive for the whole test (a deinitialised actor fires the master's watch).
    let fakes = Mutex<[any DistributedActor & Sendable]>([])

    init(configure: (inout MasterConfiguration) -> Void = { _ in }) throws {
        masterSystem = try Cluster.system("master-host", on: network)
        var configuration = MasterConfiguration()
        configuration.clock = clock
        configuration.shuffleAgents = false
        configuration.wallClock = { 1_700_000_000 }
        configure(&configuration)
        let system = masterSystem
        master = try masterSystem.makeActor(named: "master") { MasterActor(actorSystem: system, configuration: configuration) }
    }

    static func system(_ name: String, on network: MemoryNetwork) throws -> KeelActorSystem {
        var configuration = ActorSystemConfiguration(name: name, host: name, port: 5050, transport: .memory(network))
        configuration.busyPoll = .zero
        configuration.callTimeout = .seconds(10)
        let system = try KeelActorSystem(configuration)
        KeelProtocol.registerWireTypes(on: system)
        return system
    }

    func node(_ name: String) throws -> KeelActorSystem {
        let system = try Cluster.system(name, on: network)
        nodes.withLock { $0.append(system) }
        return system
    }

    /// The master as a remote peer sees it.
    func masterStub(from system: KeelActorSystem) async throws -> $MasterService {
        try await system.resolve($MasterService.self, named: "master", at: masterSystem.endpoint)
    }

    /// Moves the clock and runs the master's timers.
    func tick(after duration: Duration = .zero) async {
        clock.advance(by: duration)
        await master.whenLocal { await $0.tick() }
    }

    /// The master's bookkeeping.
    func state() async -> MasterState? { await master.whenLocal { $0.state } }

    /// The allocator's invariant violations (empty when consistent).
    func violations() async -> [String] { await master.whenLocal { $0.allocatorInvariantViolations() } ?? ["no master"] }

    func shutdown() async {
        for system in nodes.withLock({ $0 }) { await system.shutdown() }
        await masterSystem.shutdown()
    }

    // MARK: Agents

    struct Agent {
        let system: KeelActorSystem
        let actor: FakeAgent
        let id: AgentID
        let master: $MasterService
        let events: EventLog<AgentEvent>

        /// Sends a status update for `taskID` as the agent's status update manager would.
        func send(_ state: TaskState, task taskID: TaskID, framework: FrameworkID, uuid: UInt64,
                  reason: TaskReason? = nil) async throws {
            let status = TaskStatus(taskID: taskID, state: state, reason: reason, source: .executor, agentID: id,
                                    timestamp: 1_700_000_001, uuid: StatusUpdateID(high: 0, low: uuid))
            try await master.statusUpdates([StatusUpdate(frameworkID: framework, status: status)], from: id)
        }
    }

    func agent(_ name: String, _ resources: String = "cpus:4;mem:1024") async throws -> Agent {
        let system = try node(name)
        let events = EventLog<AgentEvent>()
        let actor = FakeAgent(actorSystem: system, events: events)
        fakes.withLock { $0.append(actor) }
        let master = try await masterStub(from: system)
        let info = KeelProtocol.AgentInfo(hostname: name, resources: try Resources.parse(resources))
        let registered = try await master.registerAgent(RegisterAgentRequest(agent: info, actor: actor.id))
        return Agent(system: system, actor: actor, id: registered.agentID, master: master, events: events)
    }

    // MARK: Frameworks

    struct Framework {
        let system: KeelActorSystem
        let actor: FakeScheduler
        let id: FrameworkID
        let master: $MasterService
        let events: EventLog<SchedulerEvent>

        /// The next offers call.
        func offers() async throws -> [KeelProtocol.Offer] {
            try #require(await events.take { $0.offers != nil }?.offers)
        }

        /// The next update for `taskID`.
        func update(for taskID: TaskID) async throws -> TaskStatus {
            try #require(await events.take { $0.update?.taskID == taskID }?.update)
        }

        /// Waits until every call the master queued to this scheduler before now has arrived: reconciles an unknown
        /// task and waits for its answer (the scheduler sees calls in the master's send order).
        func fence(_ name: String) async throws {
            let taskID = TaskID("fence-\(name)")
            try await master.reconcile(ReconcileRequest(frameworkID: id, tasks: [.init(taskID: taskID)]))
            _ = try await update(for: taskID)
        }
    }

    func framework(_ name: String, capabilities: Set<FrameworkCapability> = [],
                   roles: [Role] = [.any], id: FrameworkID? = nil) async throws -> Framework {
        let system = try node(name)
        let events = EventLog<SchedulerEvent>()
        let actor = FakeScheduler(actorSystem: system, events: events)
        fakes.withLock { $0.append(actor) }
        let master = try await masterStub(from: system)
        let info = FrameworkInfo(id: id, name: name, roles: roles, principal: "alice", capabilities: capabilities)
        let subscribed = try await master.subscribe(SubscribeRequest(framework: info, scheduler: actor.id))
        return Framework(system: system, actor: actor, id: subscribed.frameworkID, master: master, events: events)
    }
}

func task(_ id: String, on agent: AgentID, _ resources: String = "cpus:1;mem:128",
          command: CommandInfo? = .shell("sleep 10"), executor: ExecutorInfo? = nil) throws -> TaskInfo {
    TaskInfo(name: id, taskID: TaskID(id), agentID: agent, resources: try Resources.parse(resources), command: command,
             executor: executor)
}
