import Distributed
import KeelActors
import KeelCore
import KeelFramework
import KeelLog
import KeelProtocol
import Synchronization
import Testing

/// A stand-in master: records what frameworks send and lets the test push offers and updates.
distributed actor FakeMaster: MasterService {
    typealias ActorSystem = KeelActorSystem
    let events: AsyncStream<String>.Continuation
    let assignedID: FrameworkID
    var scheduler: $SchedulerService?

    init(actorSystem: KeelActorSystem, assignedID: FrameworkID, events: AsyncStream<String>.Continuation) {
        self.actorSystem = actorSystem
        self.assignedID = assignedID
        self.events = events
    }

    distributed func subscribe(_ request: SubscribeRequest) async throws -> Subscribed {
        scheduler = try $SchedulerService.resolve(id: request.scheduler, using: actorSystem)
        events.yield("subscribe \(request.framework.name) id=\(request.framework.id?.value ?? "none")")
        return Subscribed(frameworkID: request.framework.id ?? assignedID, heartbeatInterval: .seconds(15))
    }
    distributed func sendOffer(_ offer: Offer) async throws { try await scheduler?.offers([offer]) }
    distributed func sendUpdate(_ status: TaskStatus) async throws { try await scheduler?.updates([status]) }
    distributed func teardown(_ frameworkID: FrameworkID) async throws { events.yield("teardown \(frameworkID.value)") }
    distributed func accept(_ request: AcceptRequest) async throws {
        let names = request.operations.map(\.typeName).joined(separator: ",")
        events.yield("accept \(request.offerIDs.map(\.value)) \(names)")
    }
    distributed func decline(_ request: DeclineRequest) async throws {
        events.yield("decline \(request.offerIDs.map(\.value)) refuse=\(Int(request.filters.refuseSeconds))")
    }
    distributed func kill(_ request: KillRequest) async throws { events.yield("kill \(request.taskID.value)") }
    distributed func reconcile(_ request: ReconcileRequest) async throws { events.yield("reconcile \(request.tasks.count)") }
    distributed func acknowledge(_ acknowledgements: [Acknowledgement]) async throws {
        for acknowledgement in acknowledgements {
            events.yield("ack \(acknowledgement.taskID.value) \(acknowledgement.agentID.value)")
        }
    }
    distributed func revive(_ frameworkID: FrameworkID, roles: [Role]) async throws { events.yield("revive") }
    distributed func suppress(_ frameworkID: FrameworkID, roles: [Role]) async throws { events.yield("suppress") }
    distributed func sendFrameworkMessage(_ message: FrameworkMessage) async throws {}
    distributed func registerAgent(_ request: RegisterAgentRequest) async throws -> AgentRegistered {
        throw MasterError.notImplementedInTest
    }
    distributed func reregisterAgent(_ request: ReregisterAgentRequest) async throws -> AgentRegistered {
        throw MasterError.notImplementedInTest
    }
    distributed func unregisterAgent(_ agentID: AgentID) async throws {}
    distributed func statusUpdates(_ updates: [StatusUpdate], from agentID: AgentID) async throws {}
    distributed func executorExited(_ notice: ExecutorExited) async throws {}
    distributed func sendExecutorMessage(_ message: FrameworkMessage) async throws {}
}

extension MasterError {
    static var notImplementedInTest: MasterError { .invalidRequest("agents are not part of this test") }
}

/// A scheduler that launches one task on the first offer and reports updates.
actor OneTaskScheduler: Scheduler {
    let events: AsyncStream<String>.Continuation
    init(events: AsyncStream<String>.Continuation) { self.events = events }

    func registered(_ driver: SchedulerDriver, frameworkID: FrameworkID) async { events.yield("registered \(frameworkID.value)") }

    func resourceOffers(_ driver: SchedulerDriver, offers: [Offer]) async {
        guard let offer = offers.first else { return }
        let task = TaskInfo(name: "hello", taskID: TaskID("t1"), agentID: offer.agentID, resources: offer.resources,
                            command: CommandInfo(.shell("echo hello")))
        do { try await driver.launch([task], on: [offer.id]) } catch { events.yield("launch failed \(error)") }
    }

    func statusUpdate(_ driver: SchedulerDriver, status: TaskStatus) async {
        events.yield("update \(status.taskID.value) \(status.state)")
    }
}

@Suite("Scheduler driver")
struct SchedulerDriverTests {
    func node(_ name: String, _ network: MemoryNetwork, port: Int = 0) throws -> KeelActorSystem {
        var configuration = ActorSystemConfiguration(name: name, host: name, port: port, transport: .memory(network))
        configuration.logger = Logger(label: "keel.test", level: .warning, sink: MemoryLogSink())
        configuration.busyPoll = .zero
        configuration.heartbeatInterval = .milliseconds(50)
        configuration.heartbeatTimeout = .seconds(2)
        let system = try KeelActorSystem(configuration)
        registerWireTypes(on: system)
        return system
    }

    @Test func subscribesLaunchesAcknowledgesAndResubscribesAfterTheMasterRestarts() async throws {
        let network = MemoryNetwork()
        let masterEvents = AsyncStream<String>.makeStream()
        let schedulerEvents = AsyncStream<String>.makeStream()
        var masterLog = masterEvents.stream.makeAsyncIterator()
        var schedulerLog = schedulerEvents.stream.makeAsyncIterator()

        let masterNode = try node("master", network)
        let master = try masterNode.makeActor(named: "master") {
            FakeMaster(actorSystem: masterNode, assignedID: FrameworkID("fw-1"), events: masterEvents.continuation)
        }
        let frameworkNode = try node("framework", network)
        let driver = SchedulerDriver(
            framework: FrameworkInfo(name: "demo"), scheduler: OneTaskScheduler(events: schedulerEvents.continuation),
            configuration: SchedulerDriverConfiguration(master: masterNode.endpoint), actorSystem: frameworkNode)

        #expect(try await driver.start() == FrameworkID("fw-1"))
        #expect(await masterLog.next() == "subscribe demo id=none")
        #expect(await schedulerLog.next() == "registered fw-1")

        let offer = Offer(id: OfferID("o1"), frameworkID: FrameworkID("fw-1"), agentID: AgentID("a1"), hostname: "h",
                          allocationRole: .any, resources: try Resources.parse("cpus:1;mem:128"))
        try await master.sendOffer(offer)
        #expect(await masterLog.next() == "accept [\"o1\"] LAUNCH")

        let update = TaskStatus(taskID: TaskID("t1"), state: .running, source: .agent, agentID: AgentID("a1"),
                                timestamp: 0, uuid: StatusUpdateID(high: 1, low: 2))
        try await master.sendUpdate(update)
        #expect(await schedulerLog.next() == "update t1 TASK_RUNNING")
        // Acknowledged only after the scheduler saw it.
        #expect(await masterLog.next() == "ack t1 a1")

        // Updates without a uuid need no acknowledgement.
        try await master.sendUpdate(TaskStatus(taskID: TaskID("t1"), state: .running, source: .master, timestamp: 0))
        #expect(await schedulerLog.next() == "update t1 TASK_RUNNING")
        try await driver.decline([OfferID("o2")], filters: Filters(refuseSeconds: 30))
        #expect(await masterLog.next() == "decline [\"o2\"] refuse=30")

        // The master restarts on the same endpoint: the driver re-subscribes with its framework ID.
        let endpoint = masterNode.endpoint
        network.crash(endpoint)
        await masterNode.shutdown()
        _ = master.id
        let restartedNode = try node("master", network, port: endpoint.port)
        let restarted = try restartedNode.makeActor(named: "master") {
            FakeMaster(actorSystem: restartedNode, assignedID: FrameworkID("unused"), events: masterEvents.continuation)
        }
        #expect(await masterLog.next() == "subscribe demo id=fw-1")
        #expect(await schedulerLog.next() == "registered fw-1")

        await driver.stop(failover: false)
        #expect(await masterLog.next() == "teardown fw-1")
        await #expect(throws: SchedulerDriverError.stopped) { try await driver.kill(TaskID("t1")) }
        _ = restarted.id
        await frameworkNode.shutdown()
        await restartedNode.shutdown()
    }
}
