import KeelCore

/// Why an agent refused a call from the master or an executor. Registered by ``registerWireTypes(on:)``.
public enum AgentError: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    /// The agent is not (or no longer) registered under this ID; the master should expect a re-registration.
    case notRegistered(AgentID?)
    /// The agent runs nothing for this framework.
    case unknownFramework(FrameworkID)
    /// The agent did not launch this executor (or it already ended).
    case unknownExecutor(FrameworkID, ExecutorID)
    /// This executor already registered.
    case executorAlreadyRegistered(FrameworkID, ExecutorID)
    /// The agent already knows a task with this ID for the framework.
    case taskAlreadyKnown(FrameworkID, TaskID)
    /// The agent is shutting down and accepts no new work.
    case shuttingDown
    /// The agent has no sandbox for the task (never ran here, or forgotten long ago).
    case unknownTask(FrameworkID, TaskID)
    /// A sandbox file could not be read; the text says which and why.
    case sandboxUnreadable(String)

    /// A sentence naming what is concerned.
    public var description: String {
        switch self {
        case .notRegistered(let id?): "agent is not registered as \(id)"
        case .notRegistered(nil): "agent is not registered"
        case .unknownFramework(let id): "agent runs nothing for framework \(id)"
        case .unknownExecutor(let framework, let executor): "unknown executor \(executor) of framework \(framework)"
        case .executorAlreadyRegistered(let framework, let executor):
            "executor \(executor) of framework \(framework) is already registered"
        case .taskAlreadyKnown(let framework, let task): "task \(task) of framework \(framework) is already known"
        case .shuttingDown: "agent is shutting down"
        case .unknownTask(let framework, let task): "agent has no sandbox for task \(task) of framework \(framework)"
        case .sandboxUnreadable(let reason): "sandbox output unreadable: \(reason)"
        }
    }
}
