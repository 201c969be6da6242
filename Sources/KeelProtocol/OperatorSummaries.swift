import KeelCore

/// One agent in ``OperatorService/agents()``.
public struct AgentSummary: Sendable, Hashable, Codable {
    /// The agent's ID.
    public var id: AgentID
    /// Its host name.
    public var hostname: String
    /// Where the master holds it.
    public var state: AgentState
    /// Everything it offers.
    public var total: Resources
    /// The part held by frameworks (offered or used); empty unless active.
    public var allocated: Resources
    /// Its attributes (including `keel.isolation` when the agent advertises its isolation).
    public var attributes: Attributes
    /// Live tasks the master records on it.
    public var tasks: Int
    /// A summary.
    public init(id: AgentID, hostname: String, state: AgentState, total: Resources, allocated: Resources,
                attributes: Attributes, tasks: Int) {
        self.id = id
        self.hostname = hostname
        self.state = state
        self.total = total
        self.allocated = allocated
        self.attributes = attributes
        self.tasks = tasks
    }
}

/// One framework in ``OperatorService/frameworks()``.
public struct FrameworkSummary: Sendable, Hashable, Codable {
    /// What it declared, with its ID.
    public var info: FrameworkInfo
    /// Whether its scheduler is connected (`false` while it fails over).
    public var connected: Bool
    /// Live tasks.
    public var tasks: Int
    /// Scalars it holds across roles (offered or used).
    public var allocated: ResourceQuantities
    /// Its largest dominant share over its roles, in [0, 1].
    public var dominantShare: Double
    /// A summary.
    public init(info: FrameworkInfo, connected: Bool, tasks: Int, allocated: ResourceQuantities,
                dominantShare: Double) {
        self.info = info
        self.connected = connected
        self.tasks = tasks
        self.allocated = allocated
        self.dominantShare = dominantShare
    }
}

/// One task in ``OperatorService/tasks(frameworkID:)``.
public struct TaskSummary: Sendable, Hashable, Codable {
    /// Its framework.
    public var frameworkID: FrameworkID
    /// Its ID.
    public var taskID: TaskID
    /// Its name.
    public var name: String
    /// Its agent.
    public var agentID: AgentID
    /// The role its resources are allocated under.
    public var role: Role
    /// Its state as the master records it (not mapped for partition-awareness).
    public var state: TaskState
    /// Its resources.
    public var resources: Resources
    /// The latest status (reason, message, exit status, timestamp).
    public var latest: TaskStatus
    /// A summary.
    public init(frameworkID: FrameworkID, taskID: TaskID, name: String, agentID: AgentID, role: Role,
                state: TaskState, resources: Resources, latest: TaskStatus) {
        self.frameworkID = frameworkID
        self.taskID = taskID
        self.name = name
        self.agentID = agentID
        self.role = role
        self.state = state
        self.resources = resources
        self.latest = latest
    }
}

/// A role's weight in the fair-share allocator (Mesos' weights): a role with weight 2 is entitled to twice the
/// dominant share of a role with weight 1.
public struct RoleWeight: Sendable, Hashable, Codable {
    /// The role.
    public var role: Role
    /// Its weight: positive and finite; 1 is the default.
    public var weight: Double
    /// A weight.
    public init(role: Role, weight: Double) {
        self.role = role
        self.weight = weight
    }
}

/// A role's quota: scalars guaranteed to it and, optionally, the most it may consume.
public struct RoleQuota: Sendable, Hashable, Codable {
    /// The role.
    public var role: Role
    /// Amounts guaranteed (offered to the role before anyone else's fair share).
    public var guarantee: ResourceQuantities
    /// Maximum amounts; `nil` means unlimited, and names absent from it are unlimited.
    public var limit: ResourceQuantities?
    /// A quota. An empty guarantee with no limit removes the role's quota.
    public init(role: Role, guarantee: ResourceQuantities, limit: ResourceQuantities? = nil) {
        self.role = role
        self.guarantee = guarantee
        self.limit = limit
    }

    /// Whether this quota means "no quota".
    public var isEmpty: Bool { guarantee.isEmpty && limit == nil }
}
