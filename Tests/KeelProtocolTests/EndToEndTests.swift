import Distributed
import KeelActors
import KeelCore
import Testing
@testable import KeelProtocol

/// A trivial master: subscribes frameworks, offers one fixed offer, validates accepts with ``LaunchValidator`` and
/// reports refused tasks back as status updates.
distributed actor TestMaster: MasterService {
    typealias ActorSystem = KeelActorSystem

    private var schedulers: [FrameworkID: ActorID] = [:]
    private var outstanding: [OfferID: Offer] = [:]

    init(actorSystem: KeelActorSystem) { self.actorSystem = actorSystem }

    private func scheduler(_ id: FrameworkID) throws -> $SchedulerService {
        guard let actor = schedulers[id] else { throw MasterError.frameworkNotSubscribed(id) }
        return try $SchedulerService.resolve(id: actor, using: actorSystem)
    }

    distributed func subscribe(_ request: SubscribeRequest) async throws -> Subscribed {
        guard request.version.isCompatible(with: .current) else {
            throw MasterError.incompatibleVersion(offered: request.version, supported: .current)
        }
        try request.framework.validate()
        let id = request.framework.id ?? FrameworkID("fw-\(schedulers.count + 1)")
        schedulers[id] = request.scheduler
        let offer = Offer(id: OfferID("o-\(id)"), frameworkID: id, agentID: Fixture.agent, hostname: "h1",
                          allocationRole: .any, resources: try Fixture.resources("cpus:2;mem:256"))
        outstanding[offer.id] = offer
        try await scheduler(id).offers([offer])
        return Subscribed(frameworkID: id, heartbeatInterval: .seconds(15))
    }

    distributed func accept(_ request: AcceptRequest) async throws {
        let scheduler = try scheduler(request.frameworkID)
        let errors: [TaskError]
        switch LaunchValidator.pool(request.offerIDs, frameworkID: request.frameworkID, outstanding: outstanding) {
        case .failure(let problem):
            errors = LaunchValidator.dropAll(request.operations, because: problem)
        case .success(let pooled):
            for offer in pooled.offers { outstanding[offer.id] = nil }
            let context = LaunchContext(frameworkID: request.frameworkID, agentID: pooled.agentID, role: pooled.role)
            let outcome = LaunchValidator.validate(request.operations, offered: pooled.resources, context: context)
            errors = outcome.taskErrors
            for case .launch(let tasks) in outcome.accepted {
                for task in tasks {
                    try await scheduler.updates([TaskStatus(taskID: task.taskID, state: .staging, source: .master,
                                                            agentID: pooled.agentID, timestamp: 0)])
                }
            }
        }
        for error in errors {
            try await scheduler.updates([TaskStatus(taskID: error.taskID, state: error.state, reason: error.reason,
                                                    message: error.description, source: .master, timestamp: 0)])
        }
    }

    distributed func teardown(_ frameworkID: FrameworkID) async throws { schedulers[frameworkID] = nil }
    distributed func decline(_ request: DeclineRequest) async throws {}
    distributed func kill(_ request: KillRequest) async throws {}
    distributed func reconcile(_ request: ReconcileRequest) async throws {}
    distributed func acknowledge(_ acknowledgements: [Acknowledgement]) async throws {}
    distributed func revive(_ frameworkID: FrameworkID, roles: [Role]) async throws {}
    distributed func suppress(_ frameworkID: FrameworkID, roles: [Role]) async throws {}
    distributed func sendFrameworkMessage(_ message: FrameworkMessage) async throws {}
    distributed func registerAgent(_ request: RegisterAgentRequest) async throws -> AgentRegistered {
        throw MasterError.invalidRequest("agents are not part of this test")
    }
    distributed func reregisterAgent(_ request: ReregisterAgentRequest) async throws -> AgentRegistered {
        throw MasterError.agentGone(request.agent.id ?? Fixture.agent)
    }
    distributed func unregisterAgent(_ agentID: AgentID) async throws {}
    distributed func statusUpdates(_ updates: [StatusUpdate], from agentID: AgentID) async throws {}
    distributed func executorExited(_ notice: ExecutorExited) async throws {}
    distributed func sendExecutorMessage(_ message: FrameworkMessage) async throws {}
}

/// A trivial framework that records what the master tells it.
distributed actor TestScheduler: SchedulerService {
    typealias ActorSystem = KeelActorSystem

    var offersSeen: [Offer] = []
    var updates: [TaskStatus] = []
    var heartbeats = 0

    init(actorSystem: KeelActorSystem) { self.actorSystem = actorSystem }

    distributed func offers(_ offers: [Offer]) async throws { offersSeen += offers }
    distributed func rescind(_ offerID: OfferID) async throws {}
    distributed func updates(_ statuses: [TaskStatus]) async throws { updates += statuses }
    distributed func message(_ message: FrameworkMessage) async throws {}
    distributed func failure(agentID: AgentID, executorID: ExecutorID?, status: ProcessExit?) async throws {}
    distributed func error(_ message: String) async throws {}
    distributed func heartbeat() async throws { heartbeats += 1 }
}

@Suite struct EndToEndTests {
    func system(_ name: String, on network: MemoryNetwork) throws -> KeelActorSystem {
        var configuration = ActorSystemConfiguration(name: name, host: name, port: 5050, transport: .memory(network))
        configuration.busyPoll = .zero
        configuration.callTimeout = .seconds(20)
        let system = try KeelActorSystem(configuration)
        KeelProtocol.registerWireTypes(on: system)
        return system
    }

    @Test func schedulerAndMasterStubsWorkAcrossSystems() async throws {
        let network = MemoryNetwork(seed: 5)
        let masterSystem = try system("master-host", on: network)
        let frameworkSystem = try system("framework-host", on: network)
        defer { _ = (masterSystem, frameworkSystem) }
        let master = try masterSystem.makeActor(named: "master") { TestMaster(actorSystem: masterSystem) }
        let scheduler = TestScheduler(actorSystem: frameworkSystem)

        let remote = try await frameworkSystem.resolve($MasterService.self, named: "master", at: masterSystem.endpoint)
        let subscribed = try await remote.subscribe(SubscribeRequest(framework: FrameworkInfo(name: "e2e"), scheduler: scheduler.id))
        #expect(subscribed.frameworkID == FrameworkID("fw-1"))
        let offers = await scheduler.whenLocal { $0.offersSeen } ?? []
        #expect(offers.map(\.id) == [OfferID("o-fw-1")])

        // One valid and one invalid task: STAGING for the first, TASK_ERROR with reason and message for the second.
        try await remote.accept(AcceptRequest(frameworkID: subscribed.frameworkID, offerIDs: [OfferID("o-fw-1")],
                                              operations: [.launch([try Fixture.task("ok"), try Fixture.task("bad", "")])]))
        let updates = await scheduler.whenLocal { $0.updates } ?? []
        #expect(updates.map(\.state) == [.staging, .error])
        #expect(updates.last?.reason == .taskInvalid)
        #expect(updates.last?.message == "task bad: task uses no resources")

        // The offer is used up: a second accept drops its task with REASON_INVALID_OFFERS.
        try await remote.accept(AcceptRequest(frameworkID: subscribed.frameworkID, offerIDs: [OfferID("o-fw-1")],
                                              operations: [.launch([try Fixture.task("late")])]))
        let last = await scheduler.whenLocal { $0.updates.last }
        #expect(last??.state == .dropped && last??.reason == .invalidOffers)

        // Typed errors cross the wire as themselves.
        await #expect(throws: MasterError.frameworkNotSubscribed(FrameworkID("nobody"))) {
            try await remote.accept(AcceptRequest(frameworkID: FrameworkID("nobody"), offerIDs: [], operations: []))
        }
        await #expect(throws: MasterError.invalidFrameworkInfo(field: "name", reason: "must not be empty")) {
            _ = try await remote.subscribe(SubscribeRequest(framework: FrameworkInfo(name: ""), scheduler: scheduler.id))
        }
        await #expect(throws: MasterError.incompatibleVersion(offered: ProtocolVersion(major: 9, minor: 0), supported: .current)) {
            _ = try await remote.subscribe(SubscribeRequest(version: ProtocolVersion(major: 9, minor: 0),
                                                            framework: FrameworkInfo(name: "x"), scheduler: scheduler.id))
        }
        _ = master
        await frameworkSystem.shutdown()
        await masterSystem.shutdown()
    }
}
