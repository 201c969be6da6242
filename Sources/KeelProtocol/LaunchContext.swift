import KeelCore

/// What the master knows that ``LaunchValidator`` needs to judge one accept.
public struct LaunchContext: Sendable, Hashable {
    /// The accepting framework.
    public var frameworkID: FrameworkID
    /// The framework's principal (reservations must name it).
    public var principal: String?
    /// The agent of the pooled offers.
    public var agentID: AgentID
    /// The allocation role of the pooled offers.
    public var role: Role
    /// The framework's live (non-terminal, including unreachable) task IDs.
    public var liveTaskIDs: Set<TaskID>
    /// The framework's executors already running on the agent; their resources are not charged again.
    public var runningExecutors: [ExecutorID: ExecutorInfo]

    /// A context.
    public init(frameworkID: FrameworkID, principal: String? = nil, agentID: AgentID, role: Role,
                liveTaskIDs: Set<TaskID> = [], runningExecutors: [ExecutorID: ExecutorInfo] = [:]) {
        self.frameworkID = frameworkID
        self.principal = principal
        self.agentID = agentID
        self.role = role
        self.liveTaskIDs = liveTaskIDs
        self.runningExecutors = runningExecutors
    }
}

/// The offers of one accept, checked and pooled (``LaunchValidator/pool(_:frameworkID:outstanding:)``).
public struct PooledOffers: Sendable, Hashable {
    /// The offers, in the order given.
    public var offers: [Offer]
    /// Their common agent.
    public var agentID: AgentID
    /// Their common allocation role.
    public var role: Role
    /// The sum of their resources.
    public var resources: Resources
}

/// The verdict on an accept's operations (``LaunchValidator/validate(_:offered:context:)``).
///
/// Nothing leaks: ``used`` + ``remaining`` equals the offered resources as transformed by the accepted
/// reservations, so the master recovers ``remaining`` to the allocator (with the accept's filters).
public struct AcceptOutcome: Sendable, Hashable {
    /// The operations to carry out, in order: `.launch` lists hold only valid tasks (and empty ones are left
    /// out), refused groups and refused reservations are left out.
    public var accepted: [Operation] = []
    /// One error per refused task, in order; report each as a status update.
    public var taskErrors: [TaskError] = []
    /// One error per refused reservation or empty group, in order.
    public var operationErrors: [OperationError] = []
    /// What the accepted launches use (tasks plus newly launched executors).
    public var used = Resources()
    /// What the operations leave unused.
    public var remaining = Resources()

    /// An empty outcome.
    public init() {}
}
