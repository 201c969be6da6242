import KeelCore

/// An executor a framework asks an agent to run tasks in (Mesos' `ExecutorInfo`).
///
/// Tasks that name the same ``executorID`` on one agent share one executor; its ``resources`` are accounted once,
/// when it is first launched, on top of its tasks' resources.
public struct ExecutorInfo: Sendable, Hashable, Codable {
    /// What runs the tasks.
    public enum Kind: Sendable, Hashable, Codable {
        /// Keel's built-in executor, which runs each task's ``TaskInfo/command`` (required for task groups).
        case `default`
        /// A framework-supplied program that connects back to its agent as an ``ExecutorService`` actor.
        case custom(CommandInfo)
    }

    /// The executor's identity within the framework on one agent.
    public var executorID: ExecutorID
    /// Display name.
    public var name: String
    /// What runs the tasks.
    public var kind: Kind
    /// The executor's own resources (beyond its tasks'); non-empty.
    public var resources: Resources

    /// An executor description.
    public init(executorID: ExecutorID, name: String = "", kind: Kind, resources: Resources) {
        self.executorID = executorID
        self.name = name
        self.kind = kind
        self.resources = resources
    }
}
