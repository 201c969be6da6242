import Distributed
import Foundation
import KeelActors
import KeelAgent
import KeelCore
import KeelProtocol

/// What the fake master observed, in arrival order.
enum MasterEvent: Sendable {
    case registered(RegisterAgentRequest)
    case reregistered(ReregisterAgentRequest)
    case update(StatusUpdate)

    var update: StatusUpdate? {
        if case .update(let update) = self { return update }
        return nil
    }
}

struct TimedOut: Error, CustomStringConvertible {
    var waitingFor: String
    var description: String { "timed out waiting for \(waitingFor)" }
}

/// An ordered event log with waiting readers: `next(where:)` takes the oldest event not yet taken that matches,
/// suspending (on a continuation, never polling) until one arrives; a generous deadline turns a hang into a failure.
/// Events that do not match stay for later readers, so waits for different tasks do not steal each other's events.
actor EventLog {
    private var events: [MasterEvent] = []
    private var taken: Set<Int> = []
    private var waiter: CheckedContinuation<Void, Never>?

    func append(_ event: MasterEvent) {
        events.append(event)
        wake()
    }

    private func wake() {
        waiter?.resume()
        waiter = nil
    }

    /// The oldest event not yet taken that satisfies `predicate`.
    func next(_ what: String, timeout: Duration = .seconds(30),
              where predicate: @Sendable (MasterEvent) -> Bool = { _ in true }) async throws -> MasterEvent {
        let deadline = ContinuousClock.now + timeout
        while true {
            for (index, event) in events.enumerated() where !taken.contains(index) && predicate(event) {
                taken.insert(index)
                return event
            }
            guard ContinuousClock.now < deadline else { throw TimedOut(waitingFor: what) }
            let guardTask = Task { [weak self] in
                try? await Task.sleep(until: deadline)
                await self?.timeoutFired()
            }
            await withCheckedContinuation { waiter = $0 }
            guardTask.cancel()
        }
    }

    private func timeoutFired() { wake() }

    /// Every update received so far.
    var updates: [StatusUpdate] { events.compactMap(\.update) }
}

/// A master that admits one agent as `agent-1`, records everything into an ``EventLog`` and acknowledges status
/// updates on behalf of the framework either at once (`autoAcknowledge`) or when the test says so.
distributed actor FakeMaster: MasterService {
    typealias ActorSystem = KeelActorSystem

    let log: EventLog
    let autoAcknowledge: Bool
    let assignedID = AgentID("agent-1")
    private var agentActor: ActorID?
    /// When set, the next status update is refused with `agentNotRegistered` (a master that lost the agent).
    var forgetAgentAtNextUpdate = false

    init(actorSystem: KeelActorSystem, log: EventLog, autoAcknowledge: Bool) {
        self.actorSystem = actorSystem
        self.log = log
        self.autoAcknowledge = autoAcknowledge
    }

    /// The registered agent's ``AgentService`` stub.
    func agent() throws -> $AgentService {
        guard let agentActor else { throw MasterError.agentNotRegistered(assignedID) }
        return try $AgentService.resolve(id: agentActor, using: actorSystem)
    }

    /// Forwards the framework's acknowledgement of `update` to the agent.
    func acknowledgeUpdate(_ update: StatusUpdate) async throws {
        guard let uuid = update.status.uuid else { return }
        try await agent().acknowledge([Acknowledgement(frameworkID: update.frameworkID, agentID: assignedID,
                                                      taskID: update.status.taskID, uuid: uuid)])
    }

    /// Acknowledges an arbitrary uuid for a task.
    func acknowledge(frameworkID: FrameworkID, taskID: TaskID, uuid: StatusUpdateID) async throws {
        try await agent().acknowledge([Acknowledgement(frameworkID: frameworkID, agentID: assignedID, taskID: taskID, uuid: uuid)])
    }

    distributed func registerAgent(_ request: RegisterAgentRequest) async throws -> AgentRegistered {
        agentActor = request.actor
        await log.append(.registered(request))
        return AgentRegistered(agentID: assignedID, pingInterval: .seconds(15))
    }

    distributed func reregisterAgent(_ request: ReregisterAgentRequest) async throws -> AgentRegistered {
        guard request.agent.id == assignedID else { throw MasterError.agentGone(request.agent.id ?? assignedID) }
        agentActor = request.actor
        await log.append(.reregistered(request))
        return AgentRegistered(agentID: assignedID, pingInterval: .seconds(15))
    }

    distributed func statusUpdates(_ updates: [StatusUpdate], from agentID: AgentID) async throws {
        if forgetAgentAtNextUpdate {
            forgetAgentAtNextUpdate = false
            throw MasterError.agentNotRegistered(agentID)
        }
        for update in updates {
            await log.append(.update(update))
            if autoAcknowledge { Task { try await self.acknowledgeUpdate(update) } }
        }
    }

    distributed func subscribe(_ request: SubscribeRequest) async throws -> Subscribed {
        throw MasterError.invalidRequest("frameworks are not part of agent tests")
    }
    distributed func teardown(_ frameworkID: FrameworkID) async throws {}
    distributed func accept(_ request: AcceptRequest) async throws {}
    distributed func decline(_ request: DeclineRequest) async throws {}
    distributed func kill(_ request: KillRequest) async throws {}
    distributed func reconcile(_ request: ReconcileRequest) async throws {}
    distributed func acknowledge(_ acknowledgements: [Acknowledgement]) async throws {}
    distributed func revive(_ frameworkID: FrameworkID, roles: [Role]) async throws {}
    distributed func suppress(_ frameworkID: FrameworkID, roles: [Role]) async throws {}
    distributed func sendFrameworkMessage(_ message: FrameworkMessage) async throws {}
    distributed func unregisterAgent(_ agentID: AgentID) async throws {}
    distributed func executorExited(_ notice: ExecutorExited) async throws {}
    distributed func sendExecutorMessage(_ message: FrameworkMessage) async throws {}
}
