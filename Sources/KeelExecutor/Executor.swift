import KeelCore
import KeelProtocol

/// A custom executor, written by a framework author: the program an agent launches for tasks whose
/// ``ExecutorInfo/kind`` is ``ExecutorInfo/Kind/custom(_:)``. An ``ExecutorDriver`` registers it with its agent and
/// calls these methods in the agent's order, each after the previous one returned.
///
/// Report every task's states with ``ExecutorDriver/sendStatusUpdate(_:)`` (RUNNING, then a terminal state); the
/// agent delivers them to the framework reliably. Only ``registered(_:_:)`` comes before everything else.
public protocol Executor: Sendable {
    /// The agent accepted the registration; launches follow.
    func registered(_ driver: ExecutorDriver, _ registration: ExecutorRegistered) async
    /// Run `task` (its resources are allocated to it) and report its states.
    func launchTask(_ driver: ExecutorDriver, task: TaskInfo) async
    /// Run every task of `group`. The default launches each with ``launchTask(_:task:)``.
    func launchTaskGroup(_ driver: ExecutorDriver, group: TaskGroupInfo) async
    /// Kill `taskID`, honouring `killPolicy` (or the task's own when `nil`), and report TASK_KILLED.
    func killTask(_ driver: ExecutorDriver, taskID: TaskID, killPolicy: KillPolicy?) async
    /// The framework acknowledged update `uuid` of `taskID`. Default: nothing.
    func acknowledged(_ driver: ExecutorDriver, taskID: TaskID, uuid: StatusUpdateID) async
    /// Bytes from the framework, best effort. Default: ignored.
    func frameworkMessage(_ driver: ExecutorDriver, data: [UInt8]) async
    /// Kill every task and clean up: the driver stops when this returns, and the agent kills what is left of the
    /// executor after its shutdown grace period. Also called when the agent goes away.
    func shutdown(_ driver: ExecutorDriver) async
}

extension Executor {
    /// Launches each task of the group.
    public func launchTaskGroup(_ driver: ExecutorDriver, group: TaskGroupInfo) async {
        for task in group.tasks { await launchTask(driver, task: task) }
    }

    /// Does nothing.
    public func acknowledged(_ driver: ExecutorDriver, taskID: TaskID, uuid: StatusUpdateID) async {}

    /// Ignores the message.
    public func frameworkMessage(_ driver: ExecutorDriver, data: [UInt8]) async {}
}
