/// Why a task is in its state (Mesos' `TaskStatus.Reason`; Keel says *agent* where Mesos said *slave*).
///
/// Raw values are the wire and display names. ``isConsistent(with:)`` states which task states each reason may
/// accompany; the master refuses updates that break it.
public enum TaskReason: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    // Executor and container failures.
    /// The built-in command executor failed (e.g. the command could not be started).
    case commandExecutorFailed = "REASON_COMMAND_EXECUTOR_FAILED"
    /// The containerizer could not launch the container.
    case containerLaunchFailed = "REASON_CONTAINER_LAUNCH_FAILED"
    /// The container exceeded a limit the agent enforces.
    case containerLimitation = "REASON_CONTAINER_LIMITATION"
    /// The container exceeded its disk limit.
    case containerLimitationDisk = "REASON_CONTAINER_LIMITATION_DISK"
    /// The container exceeded its memory limit.
    case containerLimitationMemory = "REASON_CONTAINER_LIMITATION_MEMORY"
    /// The container was preempted.
    case containerPreempted = "REASON_CONTAINER_PREEMPTED"
    /// Updating the container's resources failed.
    case containerUpdateFailed = "REASON_CONTAINER_UPDATE_FAILED"
    /// The executor did not register with its agent in time.
    case executorRegistrationTimeout = "REASON_EXECUTOR_REGISTRATION_TIMEOUT"
    /// The executor did not re-register with its restarted agent in time.
    case executorReregistrationTimeout = "REASON_EXECUTOR_REREGISTRATION_TIMEOUT"
    /// The executor exited (the status carries its exit status when known).
    case executorTerminated = "REASON_EXECUTOR_TERMINATED"
    /// The executor exited without registering.
    case executorUnregistered = "REASON_EXECUTOR_UNREGISTERED"
    /// The task ran past its maximum completion time.
    case maxCompletionTimeReached = "REASON_MAX_COMPLETION_TIME_REACHED"
    /// The task was killed before it was delivered to its executor.
    case taskKilledDuringLaunch = "REASON_TASK_KILLED_DURING_LAUNCH"
    /// The task's health check result changed (non-terminal update).
    case taskHealthCheckStatusUpdated = "REASON_TASK_HEALTH_CHECK_STATUS_UPDATED"
    /// The task's check result changed (non-terminal update).
    case taskCheckStatusUpdated = "REASON_TASK_CHECK_STATUS_UPDATED"

    // Agent and master conditions.
    /// The agent lost its connection to the master while the task was being launched.
    case agentDisconnected = "REASON_AGENT_DISCONNECTED"
    /// The agent was removed (unreachable past its timeout, or shut down).
    case agentRemoved = "REASON_AGENT_REMOVED"
    /// An operator marked the agent gone.
    case agentRemovedByOperator = "REASON_AGENT_REMOVED_BY_OPERATOR"
    /// The agent re-registered without the task.
    case agentReregistered = "REASON_AGENT_REREGISTERED"
    /// The agent restarted and could not recover the task.
    case agentRestarted = "REASON_AGENT_RESTARTED"
    /// The master does not know the task's agent.
    case agentUnknown = "REASON_AGENT_UNKNOWN"
    /// The framework lost its master while launching; the task may not have reached it.
    case masterDisconnected = "REASON_MASTER_DISCONNECTED"
    /// The framework was torn down or its failover timeout expired.
    case frameworkRemoved = "REASON_FRAMEWORK_REMOVED"
    /// The framework ID in the request is not the caller's or not known.
    case invalidFrameworkID = "REASON_INVALID_FRAMEWORKID"
    /// An offer in the accept was unknown, expired, rescinded, not the framework's, or from another agent.
    case invalidOffers = "REASON_INVALID_OFFERS"
    /// The answer comes from reconciliation rather than a fresh event.
    case reconciliation = "REASON_RECONCILIATION"
    /// The resources in use by the task could not be determined.
    case resourcesUnknown = "REASON_RESOURCES_UNKNOWN"

    // Validation.
    /// The task description is invalid (see ``TaskError``).
    case taskInvalid = "REASON_TASK_INVALID"
    /// The task group is invalid; every task in it gets this reason.
    case taskGroupInvalid = "REASON_TASK_GROUP_INVALID"
    /// The principal may not launch this task.
    case taskUnauthorized = "REASON_TASK_UNAUTHORIZED"
    /// The principal may not launch this task group.
    case taskGroupUnauthorized = "REASON_TASK_GROUP_UNAUTHORIZED"
    /// The master does not know the task (reconciliation).
    case taskUnknown = "REASON_TASK_UNKNOWN"
    /// The task's agent is unreachable (reconciliation).
    case taskUnreachable = "REASON_TASK_UNREACHABLE"

    /// Whether a status in `state` may carry this reason.
    ///
    /// Validation reasons go with ``TaskState/error`` only; ``invalidOffers`` with dropped or lost; health and check
    /// changes with non-terminal running states; container and executor failures with terminal states other than
    /// finished; ``reconciliation`` with anything.
    public func isConsistent(with state: TaskState) -> Bool {
        switch self {
        case .reconciliation:
            return true
        case .taskInvalid, .taskGroupInvalid, .taskUnauthorized, .taskGroupUnauthorized:
            return state == .error
        case .invalidFrameworkID:
            return state == .error || state == .dropped || state == .lost
        case .invalidOffers, .masterDisconnected, .agentDisconnected:
            return state == .dropped || state == .lost
        case .taskHealthCheckStatusUpdated, .taskCheckStatusUpdated:
            return state == .starting || state == .running || state == .killing
        case .taskKilledDuringLaunch:
            return state == .killed
        case .maxCompletionTimeReached:
            return state == .failed
        case .taskUnknown:
            return state == .unknown || state == .lost
        case .taskUnreachable:
            return state == .unreachable || state == .lost
        case .agentUnknown:
            return state == .unknown || state == .lost || state == .dropped || state == .gone
        case .agentRemoved:
            return state == .unreachable || state == .lost || state == .gone || state == .dropped
        case .agentRemovedByOperator:
            return state == .goneByOperator || state == .lost
        case .agentReregistered, .agentRestarted:
            return state == .lost || state == .dropped || state == .gone || state == .killed || state == .failed
        case .frameworkRemoved:
            return state == .killed || state == .lost || state == .dropped || state == .error
        case .commandExecutorFailed, .containerLaunchFailed, .containerLimitation, .containerLimitationDisk,
             .containerLimitationMemory, .containerPreempted, .containerUpdateFailed, .executorRegistrationTimeout,
             .executorReregistrationTimeout, .executorTerminated, .executorUnregistered, .resourcesUnknown:
            return state.isTerminal && state != .finished && state != .error
        }
    }

    /// The wire name, e.g. `REASON_TASK_INVALID`.
    public var description: String { rawValue }
}
