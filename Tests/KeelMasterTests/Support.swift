import Distributed
import KeelActors
import KeelAllocator
import KeelCore
import KeelProtocol
import Testing
@testable import KeelMaster

/// Events recorded by a fake, consumed by tests in order with `take(where:)`.
actor EventLog<Event: Sendable> {
    private var buffer: [Event] = []
    private var waiters: [(id: Int, matches: @Sendable (Event) -> Bool, continuation: CheckedContinuation<Event?, Never>)] = []
    private var nextWaiter = 0

    func append(_ event: Event) {
        if let index = waiters.firstIndex(where: { $0.matches(event) }) {
            waiters.remove(at: index).continuation.resume(returning: event)
        } else {
            buffer.append(event)
        }
    }

    /// Removes and returns the first event matching `predicate`, waiting for it (at most `limit`, a guard against
    /// hangs: `nil` then).
    func take(limit: Duration = .seconds(10), where predicate: @escaping @Sendable (Event) -> Bool) async -> Event? {
        if let index = buffer.firstIndex(where: predicate) { return buffer.remove(at: index) }
        nextWaiter += 1
        let id = nextWaiter
        let guardTask = Task { [weak self] in
            try? await Task.sleep(for: limit)
            await self?.expire(id)
        }
        defer { guardTask.cancel() }
        return await withCheckedContinuation { continuation in
            waiters.append((id, predicate, continuation))
        }
    }

    /// Every buffered (unconsumed) event matching `predicate`, removed.
    func drain(where predicate: @Sendable (Event) -> Bool) -> [Event] {
        let taken = buffer.filter(predicate)
        buffer.removeAll(where: predicate)
        return taken
    }

    private func expire(_ id: Int) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        waiters.remove(at: index).continuation.resume(returning: nil)
    }
}

/// What a fake scheduler hears from the master.
enum SchedulerEvent: Sendable {
    case offers([KeelProtocol.Offer])
    case rescind(OfferID)
    case update(TaskStatus)
    case error(String)
    case failure(AgentID, ExecutorID?)
    case heartbeat

    var offers: [KeelProtocol.Offer]? { if case .offers(let offers) = self { offers } else { nil } }
    var update: TaskStatus? { if case .update(let status) = self { status } else { nil } }
}

/// A framework that records every call from the master.
distributed actor FakeScheduler: SchedulerService {
    typealias ActorSystem = KeelActorSystem
    let events: EventLog<SchedulerEvent>

    init(actorSystem: KeelActorSystem, events: EventLog<SchedulerEvent>) {
        self.actorSystem = actorSystem
        self.events = events
    }

    distributed func offers(_ offers: [KeelProtocol.Offer]) async throws { await events.append(.offers(offers)) }
    distributed func rescind(_ offerID: OfferID) async throws { await events.append(.rescind(offerID)) }
    distributed func updates(_ statuses: [TaskStatus]) async throws {
        for status in statuses { await events.append(.update(status)) }
    }
    distributed func message(_ message: FrameworkMessage) async throws {}
    distributed func failure(agentID: AgentID, executorID: ExecutorID?, status: ProcessExit?) async throws {
        await events.append(.failure(agentID, executorID))
    }
    distributed func error(_ message: String) async throws { await events.append(.error(message)) }
    distributed func heartbeat() async throws { await events.append(.heartbeat) }
}

/// What a fake agent hears from the master.
enum AgentEvent: Sendable {
    /// One task of a ``FakeAgent/runTasks(_:)`` call (the fake records each task of a batch on its own).
    case runTask(framework: FrameworkInfo, task: TaskInfo)
    case runTaskGroup(RunTaskGroupRequest)
    case killTask(KillRequest)
    case acknowledge(Acknowledgement)
    case shutdownFramework(FrameworkID)
    case applyOperation(KeelProtocol.Operation)
    case ping

    var runTask: (framework: FrameworkInfo, task: TaskInfo)? {
        if case .runTask(let framework, let task) = self { (framework, task) } else { nil }
    }
}

/// An agent that records every call from the master and answers pings while `answersPings`.
distributed actor FakeAgent: AgentService {
    typealias ActorSystem = KeelActorSystem
    let events: EventLog<AgentEvent>
    var answersPings = true

    init(actorSystem: KeelActorSystem, events: EventLog<AgentEvent>) {
        self.actorSystem = actorSystem
        self.events = events
    }

    func mute() { answersPings = false }

    distributed func ping(_ agentID: AgentID) async throws -> AgentID {
        await events.append(.ping)
        guard answersPings else { throw AgentError.shuttingDown }
        return agentID
    }
    /// How many `runTasks` calls arrived.
    private(set) var runTasksCalls = 0

    distributed func runTasks(_ request: RunTasksRequest) async throws {
        runTasksCalls += 1
        for task in request.tasks { await events.append(.runTask(framework: request.framework, task: task)) }
    }
    distributed func runTaskGroup(_ request: RunTaskGroupRequest) async throws { await events.append(.runTaskGroup(request)) }
    distributed func killTask(_ request: KillRequest) async throws { await events.append(.killTask(request)) }
    distributed func acknowledge(_ acknowledgements: [Acknowledgement]) async throws {
        for acknowledgement in acknowledgements { await events.append(.acknowledge(acknowledgement)) }
    }
    distributed func sendFrameworkMessage(_ message: FrameworkMessage) async throws {}
    distributed func updateFramework(_ framework: FrameworkInfo) async throws {}
    distributed func shutdownFramework(_ frameworkID: FrameworkID) async throws {
        await events.append(.shutdownFramework(frameworkID))
    }
    distributed func applyOperation(_ operation: KeelProtocol.Operation, frameworkID: FrameworkID) async throws {
        await events.append(.applyOperation(operation))
    }
    /// Answers every read with `<stream> of <task>` from offset 0 (so tests can see the master relayed the request).
    distributed func readTaskOutput(_ request: TaskOutputRequest) async throws -> TaskOutputChunk {
        let text = Array("\(request.stream.rawValue) of \(request.taskID)".utf8)
        let start = Int(min(UInt64(text.count), request.offset))
        return TaskOutputChunk(offset: request.offset, data: Array(text[start...]), size: UInt64(text.count), complete: true)
    }
    distributed func registerExecutor(_ request: RegisterExecutorRequest) async throws -> ExecutorRegistered {
        throw AgentError.shuttingDown
    }
    distributed func executorStatusUpdate(_ update: StatusUpdate) async throws {}
    distributed func sendExecutorMessage(_ message: FrameworkMessage) async throws {}
}
