import KeelCore

/// A task status travelling from executor or agent to the master and framework, with its routing.
public struct StatusUpdate: Sendable, Hashable, Codable {
    /// The task's framework.
    public var frameworkID: FrameworkID
    /// The status; ``TaskStatus/uuid`` is set for updates that must be acknowledged.
    public var status: TaskStatus
    /// The latest state the agent knows for the task when it (re)sends this older update, so the master can
    /// account resources of a task that already ended while its earlier updates are still being delivered.
    public var latestState: TaskState?

    /// An update.
    public init(frameworkID: FrameworkID, status: TaskStatus, latestState: TaskState? = nil) {
        self.frameworkID = frameworkID
        self.status = status
        self.latestState = latestState
    }
}
