import KeelCore

/// An agent tells the master that an executor ended (its tasks' terminal updates follow separately).
public struct ExecutorExited: Sendable, Hashable, Codable {
    /// The executor's framework.
    public var frameworkID: FrameworkID
    /// The agent.
    public var agentID: AgentID
    /// The executor.
    public var executorID: ExecutorID
    /// How its process ended; `nil` when the exit status was lost.
    public var status: ProcessExit?

    /// A notice.
    public init(frameworkID: FrameworkID, agentID: AgentID, executorID: ExecutorID, status: ProcessExit?) {
        self.frameworkID = frameworkID
        self.agentID = agentID
        self.executorID = executorID
        self.status = status
    }
}
