import KeelCore

/// The master asks an agent to launch validated tasks of one framework (Mesos' `RunTaskMessage`, one per task there;
/// a list here, so the tasks of one accept travel in one call).
public struct RunTasksRequest: Sendable, Hashable, Codable {
    /// The tasks' framework, with ``FrameworkInfo/id`` set.
    public var framework: FrameworkInfo
    /// The tasks (validated by ``LaunchValidator``; their resources are allocated to them), each launched on its own.
    public var tasks: [TaskInfo]
    /// A request for `tasks`.
    public init(framework: FrameworkInfo, tasks: [TaskInfo]) {
        self.framework = framework
        self.tasks = tasks
    }
    /// A request for one task.
    public init(framework: FrameworkInfo, task: TaskInfo) {
        self.init(framework: framework, tasks: [task])
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
