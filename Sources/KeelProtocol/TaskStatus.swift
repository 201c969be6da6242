import KeelCore

/// One observation of a task's state, as delivered to the framework (Mesos' `TaskStatus`).
///
/// Updates produced by agents and executors carry ``uuid``; the framework must acknowledge each such update
/// (``MasterService/acknowledge(_:)``) before the agent sends the next one for that task. Updates without a
/// ``uuid`` (reconciliation answers, master-generated errors for never-launched tasks) need no acknowledgement.
public struct TaskStatus: Sendable, Hashable, Codable {
    /// The task.
    public var taskID: TaskID
    /// The new state.
    public var state: TaskState
    /// Why, when known; must satisfy ``TaskReason/isConsistent(with:)``.
    public var reason: TaskReason?
    /// Human-readable detail (e.g. the validation error or the exit status).
    public var message: String?
    /// Who produced the update.
    public var source: TaskStatusSource
    /// The agent the task was sent to, when known.
    public var agentID: AgentID?
    /// The executor running the task, when known.
    public var executorID: ExecutorID?
    /// When the update was produced, in seconds since the Unix epoch (from the producer's injected clock).
    public var timestamp: Double
    /// The identity to acknowledge; `nil` when the update needs no acknowledgement.
    public var uuid: StatusUpdateID?
    /// The latest health-check result, when the task has a health check.
    public var healthy: Bool?
    /// How the task's process ended, for terminal updates of command tasks and executor exits.
    public var exitStatus: ProcessExit?

    /// A status.
    public init(taskID: TaskID, state: TaskState, reason: TaskReason? = nil, message: String? = nil,
                source: TaskStatusSource, agentID: AgentID? = nil, executorID: ExecutorID? = nil,
                timestamp: Double, uuid: StatusUpdateID? = nil, healthy: Bool? = nil, exitStatus: ProcessExit? = nil) {
        self.taskID = taskID
        self.state = state
        self.reason = reason
        self.message = message
        self.source = source
        self.agentID = agentID
        self.executorID = executorID
        self.timestamp = timestamp
        self.uuid = uuid
        self.healthy = healthy
        self.exitStatus = exitStatus
    }
}
