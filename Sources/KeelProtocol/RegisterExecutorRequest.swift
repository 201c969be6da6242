import KeelActors
import KeelCore

/// A custom executor, launched by its agent, registers back with it.
public struct RegisterExecutorRequest: Sendable, Hashable, Codable {
    /// The executor's framework (from its launch environment).
    public var frameworkID: FrameworkID
    /// The executor (from its launch environment).
    public var executorID: ExecutorID
    /// The executor's ``ExecutorService`` actor.
    public var actor: ActorID

    /// A registration.
    public init(frameworkID: FrameworkID, executorID: ExecutorID, actor: ActorID) {
        self.frameworkID = frameworkID
        self.executorID = executorID
        self.actor = actor
    }
}

/// The agent's answer: what the executor runs for. Its tasks follow as ``ExecutorService/launchTask(_:)`` calls.
public struct ExecutorRegistered: Sendable, Hashable, Codable {
    /// The agent.
    public var agentID: AgentID
    /// The framework.
    public var framework: FrameworkInfo
    /// The executor as launched.
    public var executor: ExecutorInfo

    /// An answer.
    public init(agentID: AgentID, framework: FrameworkInfo, executor: ExecutorInfo) {
        self.agentID = agentID
        self.framework = framework
        self.executor = executor
    }
}
