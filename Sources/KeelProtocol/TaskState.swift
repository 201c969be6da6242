/// The state of a task, with Mesos' names and meanings (raw values are Mesos' enum names).
///
/// The master's record of a task moves only along the edges of ``TaskStateMachine``. ``lost`` is what frameworks
/// *without* ``FrameworkCapability/partitionAware`` are told instead of ``unreachable``; ``unknown`` is only ever an
/// answer to reconciliation and is never stored.
public enum TaskState: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// Initial state: the master has sent the task to its agent. Executors never send it.
    case staging = "TASK_STAGING"
    /// The executor is launching the task.
    case starting = "TASK_STARTING"
    /// The task is running.
    case running = "TASK_RUNNING"
    /// The executor is killing the task (sent only to frameworks with ``FrameworkCapability/taskKillingState``).
    case killing = "TASK_KILLING"
    /// Terminal: the task finished successfully on its own.
    case finished = "TASK_FINISHED"
    /// Terminal: the task failed to finish successfully (e.g. a non-zero exit).
    case failed = "TASK_FAILED"
    /// Terminal: the task was killed by its executor, as requested.
    case killed = "TASK_KILLED"
    /// Terminal: the task description is invalid; it was never launched. Retrying the same description fails again.
    case error = "TASK_ERROR"
    /// Terminal in Keel: the task was lost; sent to frameworks that are not partition-aware where others see
    /// ``unreachable``, ``dropped`` or ``gone``.
    case lost = "TASK_LOST"
    /// Terminal: the task failed to launch because of a transient error; its executor never ran it. Retrying may
    /// succeed.
    case dropped = "TASK_DROPPED"
    /// Not terminal: the task's agent lost contact with the master; it may still be running.
    case unreachable = "TASK_UNREACHABLE"
    /// Terminal: the task's agent was shut down or marked gone; the task is not running.
    case gone = "TASK_GONE"
    /// Terminal: an operator marked the task's agent gone; the task is assumed not running.
    case goneByOperator = "TASK_GONE_BY_OPERATOR"
    /// Reconciliation only: the master does not know the task (and its agent is known and reachable).
    case unknown = "TASK_UNKNOWN"

    /// Whether the task can never change state again: finished, failed, killed, error, lost, dropped, gone and
    /// gone-by-operator. A terminal task holds no resources.
    public var isTerminal: Bool {
        switch self {
        case .finished, .failed, .killed, .error, .lost, .dropped, .gone, .goneByOperator: true
        case .staging, .starting, .running, .killing, .unreachable, .unknown: false
        }
    }

    /// The state a framework is told for this master-side state: frameworks without the partition-aware capability
    /// see ``lost`` for ``unreachable``, ``dropped``, ``gone``, ``goneByOperator`` and ``unknown`` (Mesos' mapping);
    /// everything else is passed through.
    public func reported(toPartitionAware partitionAware: Bool) -> TaskState {
        if partitionAware { return self }
        switch self {
        case .unreachable, .dropped, .gone, .goneByOperator, .unknown: return .lost
        default: return self
        }
    }

    /// The Mesos name, e.g. `TASK_RUNNING`.
    public var description: String { rawValue }
}
