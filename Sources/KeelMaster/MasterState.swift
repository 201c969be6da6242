import KeelActors
import KeelAllocator
import KeelCore
import KeelProtocol

/// The master's record of one agent.
public struct AgentRecord: Sendable {
    /// The agent's identity (assigned by the master).
    public var id: AgentID
    /// What the agent declared, with ``AgentInfo/id`` set.
    public var info: KeelProtocol.AgentInfo
    /// The agent's ``AgentService`` actor.
    public var actor: ActorID
    /// Its lifecycle state.
    public var state: AgentState
    /// When it last answered a ping or called the master.
    public var lastSeen: ClockInstant
    /// When the master last pinged it; until its first ping, an instant within one ping interval before its
    /// admission (``AgentCheckSchedule/firstPingReference(for:admittedAt:interval:)``: first pings spread over the
    /// interval).
    public var lastPing: ClockInstant
    /// Executors the master launched or the agent reported, per framework.
    public var executors: [FrameworkID: [ExecutorID: ExecutorRecord]] = [:]
    /// Wall-clock seconds since the agent became unreachable (survives restarts through the registrar); `nil`
    /// unless ``state`` is unreachable.
    public var unreachableSince: Double? = nil
}

/// An executor on an agent, with the allocation role its resources are charged to.
public struct ExecutorRecord: Sendable, Hashable {
    /// The executor as launched.
    public var info: ExecutorInfo
    /// The role its resources are allocated under.
    public var role: Role
    /// Whether its resources are still charged to the framework in the allocator.
    public var holdsResources: Bool
}

/// The master's record of one framework.
public struct FrameworkRecord: Sendable {
    /// The framework's identity.
    public var id: FrameworkID
    /// What it declared, with ``FrameworkInfo/id`` set.
    public var info: FrameworkInfo
    /// Its ``SchedulerService`` actor.
    public var scheduler: ActorID
    /// Whether its scheduler is connected (offers flow only then).
    public var connected: Bool
    /// When the scheduler disconnected, for the failover timer.
    public var disconnectedAt: ClockInstant?
}

/// The master's canonical record of one task.
public struct TaskRecord: Sendable {
    /// The task's framework.
    public var frameworkID: FrameworkID
    /// The task as launched.
    public var info: TaskInfo
    /// The allocation role its resources are charged to.
    public var role: Role
    /// The recorded state (never ``TaskState/unknown``).
    public var state: TaskState
    /// The latest status recorded (what reconciliation answers).
    public var latest: TaskStatus
    /// Whether ``TaskInfo/resources`` are still charged in the allocator.
    public var holdsResources: Bool
    /// Update identities already recorded, so retries are recognised.
    public var seenUpdates: Set<StatusUpdateID> = []

    /// The task's agent.
    public var agentID: AgentID { info.agentID }
}

/// A task's framework and ID: what names a task cluster-wide.
struct TaskRef: Hashable, Sendable {
    let frameworkID: FrameworkID
    let taskID: TaskID
}

/// The master's bookkeeping, free of I/O: agents, frameworks, outstanding offers and tasks, and ID assignment.
/// ``MasterActor`` owns one and performs the calls its changes imply.
public struct MasterState: Sendable {
    /// A prefix unique to this master incarnation, so IDs are never reused by a restarted master.
    public let idPrefix: String
    /// Agents by ID, in every state but never-admitted.
    public var agents: [AgentID: AgentRecord] = [:]
    /// Subscribed frameworks (connected or failing over).
    public var frameworks: [FrameworkID: FrameworkRecord] = [:]
    /// Framework IDs that were torn down or expired; they may not subscribe again.
    public var removedFrameworks: Set<FrameworkID> = []
    /// Outstanding offers and when they were made; added with ``addOffer(_:at:)``, removed with ``removeOffer(_:)``,
    /// which keep the offers of each agent indexed.
    public internal(set) var offers: [OfferID: (offer: KeelProtocol.Offer, madeAt: ClockInstant)] = [:]
    /// The outstanding offers of each agent, for events about one agent.
    private var offersOnAgent: [AgentID: Set<OfferID>] = [:]
    /// The outstanding offers of each framework, for its teardown (it used to look at every offer of the cluster).
    private var offersOfFramework: [FrameworkID: Set<OfferID>] = [:]
    /// Agents on which a framework's executors were recorded with ``addExecutor(_:of:on:)`` or at admission: at
    /// least every agent whose ``AgentRecord/executors`` has an entry for it (perhaps more; checked on use), so a
    /// framework's teardown looks at those agents instead of at every agent of the cluster.
    public internal(set) var agentsWithExecutors: [FrameworkID: Set<AgentID>] = [:]
    /// Tasks by framework and ID. Tasks come and go through ``setTask(_:)``, ``removeTask(_:of:)`` and
    /// ``removeTasks(of:)``, which keep the tasks of each agent indexed; fields of a record may change in place, its
    /// agent never does.
    public internal(set) var tasks: [FrameworkID: [TaskID: TaskRecord]] = [:]
    /// The tasks of each agent: an event about one agent (unreachable, re-registered, removed) finds its tasks
    /// without looking at every task of the cluster (hundreds of thousands at scale).
    private var tasksOnAgent: [AgentID: Set<TaskRef>] = [:]
    /// Recently completed tasks no longer in ``tasks``.
    public var completedTasks: CompletedTasks
    private var nextAgent = 0
    private var nextFramework = 0
    private var nextOffer = 0

    /// Empty state whose IDs start with `idPrefix`, keeping `completedTaskCapacity` completed tasks.
    public init(idPrefix: String, completedTaskCapacity: Int = 10_000) {
        self.idPrefix = idPrefix
        self.completedTasks = CompletedTasks(capacity: completedTaskCapacity)
    }

    /// A fresh agent ID (Mesos style: `<prefix>-S<n>`).
    public mutating func newAgentID() -> AgentID {
        nextAgent += 1
        return AgentID("\(idPrefix)-S\(nextAgent)")
    }

    /// A fresh framework ID (`<prefix>-<n>`, zero-padded like Mesos).
    public mutating func newFrameworkID() -> FrameworkID {
        nextFramework += 1
        let digits = String(nextFramework)
        return FrameworkID("\(idPrefix)-" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits)
    }

    /// A fresh offer ID (`<prefix>-O<n>`).
    public mutating func newOfferID() -> OfferID {
        nextOffer += 1
        return OfferID("\(idPrefix)-O\(nextOffer)")
    }

    /// The framework's live (non-terminal, including unreachable) task IDs.
    public func liveTaskIDs(of frameworkID: FrameworkID) -> Set<TaskID> {
        Set((tasks[frameworkID] ?? [:]).values.filter { !$0.state.isTerminal }.map(\.info.taskID))
    }

    /// Which of `candidates` are live (non-terminal, including unreachable) tasks of the framework: what
    /// ``liveTaskIDs(of:)`` answers for them, in time proportional to `candidates` rather than to the framework's tasks.
    public func liveTaskIDs(of frameworkID: FrameworkID, among candidates: some Sequence<TaskID>) -> Set<TaskID> {
        guard let known = tasks[frameworkID] else { return [] }
        return Set(candidates.filter { known[$0].map { !$0.state.isTerminal } ?? false })
    }

    /// The framework's executors on an agent.
    public func executors(of frameworkID: FrameworkID, on agentID: AgentID) -> [ExecutorID: ExecutorInfo] {
        (agents[agentID]?.executors[frameworkID] ?? [:]).mapValues(\.info)
    }

    /// Outstanding offers of an agent.
    public func offers(onAgent agentID: AgentID) -> [KeelProtocol.Offer] {
        (offersOnAgent[agentID] ?? []).compactMap { offers[$0]?.offer }.sorted { $0.id < $1.id }
    }

    /// Records an outstanding offer made at `madeAt`.
    public mutating func addOffer(_ offer: KeelProtocol.Offer, at madeAt: ClockInstant) {
        if let previous = offers.updateValue((offer, madeAt), forKey: offer.id) {
            Self.unindex(offer.id, under: previous.offer.agentID, in: &offersOnAgent)
            Self.unindex(offer.id, under: previous.offer.frameworkID, in: &offersOfFramework)
        }
        offersOnAgent[offer.agentID, default: []].insert(offer.id)
        offersOfFramework[offer.frameworkID, default: []].insert(offer.id)
    }

    /// Removes an outstanding offer; returns it, or nil when there was none.
    @discardableResult
    public mutating func removeOffer(_ id: OfferID) -> (offer: KeelProtocol.Offer, madeAt: ClockInstant)? {
        guard let removed = offers.removeValue(forKey: id) else { return nil }
        Self.unindex(id, under: removed.offer.agentID, in: &offersOnAgent)
        Self.unindex(id, under: removed.offer.frameworkID, in: &offersOfFramework)
        return removed
    }

    /// Removes `member` from `key`'s entry of an index, dropping the entry once empty.
    private static func unindex<Key, Member>(_ member: Member, under key: Key, in index: inout [Key: Set<Member>]) {
        index[key]?.remove(member)
        if index[key]?.isEmpty == true { index[key] = nil }
    }

    /// Outstanding offers made to a framework.
    public func offers(ofFramework frameworkID: FrameworkID) -> [KeelProtocol.Offer] {
        (offersOfFramework[frameworkID] ?? []).compactMap { offers[$0]?.offer }.sorted { $0.id < $1.id }
    }

    /// Records a framework's executor on an agent (replacing a record of the same ID).
    public mutating func addExecutor(_ executor: ExecutorRecord, of frameworkID: FrameworkID, on agentID: AgentID) {
        guard agents[agentID] != nil else { return }
        agents[agentID]?.executors[frameworkID, default: [:]][executor.info.executorID] = executor
        agentsWithExecutors[frameworkID, default: []].insert(agentID)
    }

    /// Admits (or replaces) an agent's record, indexing the executors it comes with.
    public mutating func setAgent(_ record: AgentRecord) {
        agents[record.id] = record
        for frameworkID in record.executors.keys { agentsWithExecutors[frameworkID, default: []].insert(record.id) }
    }

    /// Removes every executor record of a framework, on every agent; returns the agents that had one.
    public mutating func removeExecutors(of frameworkID: FrameworkID) -> Set<AgentID> {
        var holders = Set<AgentID>()
        for agentID in agentsWithExecutors.removeValue(forKey: frameworkID) ?? []
        where agents[agentID]?.executors.removeValue(forKey: frameworkID) != nil {
            holders.insert(agentID)
        }
        return holders
    }

    /// Non-terminal tasks on an agent, by task ID.
    public func liveTasks(onAgent agentID: AgentID) -> [TaskRecord] {
        tasks(onAgent: agentID).filter { !$0.state.isTerminal }
    }

    /// Every task the master keeps on an agent, terminal ones included, by task ID.
    public func tasks(onAgent agentID: AgentID) -> [TaskRecord] {
        (tasksOnAgent[agentID] ?? []).compactMap { tasks[$0.frameworkID]?[$0.taskID] }
            .sorted { ($0.info.taskID, $0.frameworkID) < ($1.info.taskID, $1.frameworkID) }
    }

    /// Adds or replaces the record of `task`'s framework and ID.
    public mutating func setTask(_ task: TaskRecord) {
        let ref = TaskRef(frameworkID: task.frameworkID, taskID: task.info.taskID)
        if let previous = tasks[ref.frameworkID]?.updateValue(task, forKey: ref.taskID), previous.agentID != task.agentID {
            Self.unindex(ref, under: previous.agentID, in: &tasksOnAgent)
        }
        if tasks[ref.frameworkID] == nil { tasks[ref.frameworkID] = [ref.taskID: task] }
        tasksOnAgent[task.agentID, default: []].insert(ref)
    }

    /// Removes a task's record; returns it, or nil when there was none.
    @discardableResult
    public mutating func removeTask(_ taskID: TaskID, of frameworkID: FrameworkID) -> TaskRecord? {
        guard let removed = tasks[frameworkID]?.removeValue(forKey: taskID) else { return nil }
        if tasks[frameworkID]?.isEmpty == true { tasks[frameworkID] = nil }
        Self.unindex(TaskRef(frameworkID: frameworkID, taskID: taskID), under: removed.agentID, in: &tasksOnAgent)
        return removed
    }

    /// Removes every task of a framework; returns them.
    public mutating func removeTasks(of frameworkID: FrameworkID) -> [TaskID: TaskRecord] {
        let removed = tasks.removeValue(forKey: frameworkID) ?? [:]
        for (taskID, task) in removed {
            Self.unindex(TaskRef(frameworkID: frameworkID, taskID: taskID), under: task.agentID, in: &tasksOnAgent)
        }
        return removed
    }


    /// Whether the framework gets the real partition states (otherwise LOST).
    public func isPartitionAware(_ frameworkID: FrameworkID) -> Bool {
        frameworks[frameworkID]?.info.isPartitionAware ?? false
    }

    /// Records a status for a task, checked by ``TaskStateMachine``. Returns whether the task just stopped holding
    /// resources (the caller recovers them), or throws when the move is illegal. A retry of a recorded update
    /// (same ``TaskStatus/uuid``) changes nothing and returns `false`.
    public mutating func record(_ status: TaskStatus, of frameworkID: FrameworkID,
                                latestState: TaskState? = nil) throws(TaskTransitionError) -> Bool {
        guard var task = tasks[frameworkID]?[status.taskID] else { return false }
        if let uuid = status.uuid, task.seenUpdates.contains(uuid) { return false }
        task.state = try TaskStateMachine.apply(status, to: task.state)
        task.latest = status
        if let uuid = status.uuid { task.seenUpdates.insert(uuid) }
        let ended = task.state.isTerminal || (latestState?.isTerminal ?? false)
        let release = ended && task.holdsResources
        if release { task.holdsResources = false }
        tasks[frameworkID]?[status.taskID] = task
        return release
    }
}
