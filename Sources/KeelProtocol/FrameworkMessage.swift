import KeelCore

/// Opaque bytes between a framework and one of its executors, relayed by master and agent, best effort: a message
/// may be lost and is never retried.
public struct FrameworkMessage: Sendable, Hashable, Codable {
    /// The framework.
    public var frameworkID: FrameworkID
    /// The executor's agent.
    public var agentID: AgentID
    /// The executor.
    public var executorID: ExecutorID
    /// The payload; the frame size limit of the actor runtime applies.
    public var data: [UInt8]

    /// A message.
    public init(frameworkID: FrameworkID, agentID: AgentID, executorID: ExecutorID, data: [UInt8]) {
        self.frameworkID = frameworkID
        self.agentID = agentID
        self.executorID = executorID
        self.data = data
    }
}
