import KeelCore

/// The master asks an agent to launch one validated task (Mesos' `RunTaskMessage`).
public struct RunTaskRequest: Sendable, Hashable, Codable {
    /// The task's framework, with ``FrameworkInfo/id`` set.
    public var framework: FrameworkInfo
    /// The task (validated by ``LaunchValidator``; its resources are allocated to it).
    public var task: TaskInfo

    /// A request.
    public init(framework: FrameworkInfo, task: TaskInfo) {
        self.framework = framework
        self.task = task
    }
}

/// The master asks an agent to launch one validated task group in one executor, all or nothing.
public struct RunTaskGroupRequest: Sendable, Hashable, Codable {
    /// The group's framework, with ``FrameworkInfo/id`` set.
    public var framework: FrameworkInfo
    /// The executor that runs the group.
    public var executor: ExecutorInfo
    /// The tasks.
    public var group: TaskGroupInfo

    /// A request.
    public init(framework: FrameworkInfo, executor: ExecutorInfo, group: TaskGroupInfo) {
        self.framework = framework
        self.executor = executor
        self.group = group
    }
}
