import KeelActors
import KeelCore

/// An agent that was registered before (it restarted, the master failed over, or it was unreachable) reports what
/// it runs, so the master can re-admit it and reconcile its tasks.
public struct ReregisterAgentRequest: Sendable, Hashable, Codable {
    /// The contract version the agent speaks.
    public var version: ProtocolVersion
    /// The agent's description with ``AgentInfo/id`` set.
    public var agent: AgentInfo
    /// The agent's ``AgentService`` actor (a new one after an agent restart).
    public var actor: ActorID
    /// Every non-terminal task, and terminal ones whose last update is not yet acknowledged.
    public var tasks: [TaskSnapshot]
    /// The executors running on the agent.
    public var executors: [ExecutorSnapshot]
    /// The frameworks of those tasks, as the agent last learned them.
    public var frameworks: [FrameworkInfo]

    /// A re-registration speaking ``ProtocolVersion/current``.
    public init(version: ProtocolVersion = .current, agent: AgentInfo, actor: ActorID, tasks: [TaskSnapshot] = [],
                executors: [ExecutorSnapshot] = [], frameworks: [FrameworkInfo] = []) {
        self.version = version
        self.agent = agent
        self.actor = actor
        self.tasks = tasks
        self.executors = executors
        self.frameworks = frameworks
    }
}

/// A task as an agent reports it on re-registration.
public struct TaskSnapshot: Sendable, Hashable, Codable {
    /// The task's framework.
    public var frameworkID: FrameworkID
    /// The task as launched.
    public var task: TaskInfo
    /// The latest state the agent knows (possibly not yet delivered to the framework).
    public var state: TaskState

    /// A snapshot.
    public init(frameworkID: FrameworkID, task: TaskInfo, state: TaskState) {
        self.frameworkID = frameworkID
        self.task = task
        self.state = state
    }
}

/// An executor as an agent reports it on re-registration.
public struct ExecutorSnapshot: Sendable, Hashable, Codable {
    /// The executor's framework.
    public var frameworkID: FrameworkID
    /// The executor as launched.
    public var executor: ExecutorInfo

    /// A snapshot.
    public init(frameworkID: FrameworkID, executor: ExecutorInfo) {
        self.frameworkID = frameworkID
        self.executor = executor
    }
}
