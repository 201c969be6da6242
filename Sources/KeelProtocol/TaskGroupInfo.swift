/// Tasks launched together in one executor, all or nothing (Mesos' `TaskGroupInfo`).
public struct TaskGroupInfo: Sendable, Hashable, Codable {
    /// The tasks; non-empty, each with a command and without its own executor.
    public var tasks: [TaskInfo]

    /// A task group.
    public init(tasks: [TaskInfo]) { self.tasks = tasks }
}
