import KeelCore

/// A framework's acknowledgement of one status update, forwarded by the master to the task's agent.
///
/// Only when the agent receives it does it send the task's next update; an acknowledgement whose ``uuid`` is not
/// the agent's oldest pending update for the task is ignored.
public struct Acknowledgement: Sendable, Hashable, Codable {
    /// The task's framework.
    public var frameworkID: FrameworkID
    /// The task's agent.
    public var agentID: AgentID
    /// The task.
    public var taskID: TaskID
    /// The acknowledged update's ``TaskStatus/uuid``.
    public var uuid: StatusUpdateID

    /// An acknowledgement.
    public init(frameworkID: FrameworkID, agentID: AgentID, taskID: TaskID, uuid: StatusUpdateID) {
        self.frameworkID = frameworkID
        self.agentID = agentID
        self.taskID = taskID
        self.uuid = uuid
    }
}
