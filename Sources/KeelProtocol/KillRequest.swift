import KeelCore

/// Kill one task (framework → master, and master → agent).
///
/// Killing an unknown task makes the master answer with a ``TaskState/lost`` or ``TaskState/unknown`` update (as
/// reconciliation would); killing a terminal task does nothing.
public struct KillRequest: Sendable, Hashable, Codable {
    /// The task's framework.
    public var frameworkID: FrameworkID
    /// The task.
    public var taskID: TaskID
    /// The task's agent, when the framework knows it.
    public var agentID: AgentID?
    /// Overrides the task's own kill policy.
    public var killPolicy: KillPolicy?

    /// A kill.
    public init(frameworkID: FrameworkID, taskID: TaskID, agentID: AgentID? = nil, killPolicy: KillPolicy? = nil) {
        self.frameworkID = frameworkID
        self.taskID = taskID
        self.agentID = agentID
        self.killPolicy = killPolicy
    }
}
