import KeelCore

/// A task a framework launches on an offer (Mesos' `TaskInfo`).
///
/// A task either has a ``command`` (run by the built-in command executor, or by the group's executor in a task
/// group) or names a custom ``executor`` — never both, never neither (outside a group).
public struct TaskInfo: Sendable, Hashable, Codable {
    /// Display name.
    public var name: String
    /// The task's identity; see ``IdentifierRules``.
    public var taskID: TaskID
    /// The agent of the offer the task is launched on.
    public var agentID: AgentID
    /// What the task itself uses; non-empty.
    public var resources: Resources
    /// The command to run.
    public var command: CommandInfo?
    /// The custom executor to run the task in.
    public var executor: ExecutorInfo?
    /// How to kill it; `nil` uses ``KillPolicy/defaultGracePeriod``.
    public var killPolicy: KillPolicy?
    /// Free-form labels.
    public var labels: [Label]
    /// Opaque bytes for a custom executor (Mesos' `TaskInfo.data`): how the framework tells its executor what to
    /// do. Default empty.
    public var data: [UInt8]
    /// Isolation options of a command task (capabilities, network, host name); `nil` (the default) keeps the
    /// agent's settings. Not allowed on a task with a custom ``executor`` (its tasks share the executor's
    /// container). See ``TaskIsolation``.
    public var isolation: TaskIsolation?

    /// A task description.
    public init(name: String, taskID: TaskID, agentID: AgentID, resources: Resources, command: CommandInfo? = nil,
                executor: ExecutorInfo? = nil, killPolicy: KillPolicy? = nil, labels: [Label] = [], data: [UInt8] = [],
                isolation: TaskIsolation? = nil) {
        self.name = name
        self.taskID = taskID
        self.agentID = agentID
        self.resources = resources
        self.command = command
        self.executor = executor
        self.killPolicy = killPolicy
        self.labels = labels
        self.data = data
        self.isolation = isolation
    }
}
