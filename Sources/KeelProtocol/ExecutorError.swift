/// Why an executor refused a call from its agent. Registered by ``registerWireTypes(on:)``.
public enum ExecutorError: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    /// The executor has not finished registering with its agent.
    case notRegistered
    /// A task with this ID was already launched in this executor.
    case taskAlreadyLaunched(TaskID)
    /// The executor does not run this task.
    case unknownTask(TaskID)
    /// The executor is shutting down.
    case shuttingDown

    /// A sentence naming the task concerned.
    public var description: String {
        switch self {
        case .notRegistered: "executor is not registered"
        case .taskAlreadyLaunched(let id): "task \(id) was already launched in this executor"
        case .unknownTask(let id): "executor does not run task \(id)"
        case .shuttingDown: "executor is shutting down"
        }
    }
}
