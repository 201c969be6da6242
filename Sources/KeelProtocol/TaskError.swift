import KeelCore

/// Why the master refused to launch one task; the framework receives it as a status update in ``state`` with
/// ``reason`` and ``description`` as the message. Produced by ``LaunchValidator``.
public struct TaskError: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    /// What is wrong.
    public indirect enum Problem: Sendable, Hashable, Codable {
        /// The task ID breaks ``IdentifierRules``.
        case invalidTaskID(IdentifierProblem)
        /// Another task in the same accept has this ID.
        case duplicateTaskID
        /// The framework already has a live task with this ID.
        case taskIDInUse
        /// The task names another agent than its offers'.
        case agentMismatch(task: AgentID, offer: AgentID)
        /// The task uses no resources.
        case noResources
        /// The task (plus its executor, when launched by it) needs more than the offers have left.
        case insufficientResources(needed: Resources, available: Resources)
        /// The task has both a command and an executor.
        case commandAndExecutor
        /// The task has neither a command nor an executor.
        case noCommandOrExecutor
        /// The command cannot be launched; the text says why.
        case invalidCommand(String)
        /// The kill policy's grace period is negative.
        case negativeGracePeriod
        /// The executor ID breaks ``IdentifierRules``.
        case invalidExecutorID(IdentifierProblem)
        /// A new executor declares no resources.
        case executorWithoutResources(ExecutorID)
        /// The executor ID is already used with a different ``ExecutorInfo``.
        case executorMismatch(ExecutorID)
        /// The executor's command cannot be launched; the text says why.
        case invalidExecutorCommand(ExecutorID, String)
        /// A task in a group has its own executor.
        case groupTaskHasExecutor
        /// A task in a group run by the default executor has no command.
        case groupTaskWithoutCommand
        /// Another task of the same group is invalid, so the whole group is refused.
        case groupMemberInvalid(culprit: TaskID, problem: Problem)
        /// The offers of the accept are unusable (the task is dropped, not errored: it may be retried as is).
        case invalidOffers(OfferProblem)
        /// The task's ``TaskInfo/isolation`` options are invalid (or set on a task with a custom executor); the
        /// text says why.
        case invalidIsolation(String)

        /// A sentence fragment describing the problem.
        public var text: String {
            switch self {
            case .invalidTaskID(let problem): "task ID \(problem)"
            case .duplicateTaskID: "task ID is used by another task in the same accept"
            case .taskIDInUse: "task ID is already used by a live task of this framework"
            case .agentMismatch(let task, let offer): "task names agent \(task) but its offers are from agent \(offer)"
            case .noResources: "task uses no resources"
            case .insufficientResources(let needed, let available):
                "task needs \(needed) but only \(available.isEmpty ? "nothing" : available.description) is left in the offers"
            case .commandAndExecutor: "task has both a command and an executor"
            case .noCommandOrExecutor: "task has neither a command nor an executor"
            case .invalidCommand(let why): "invalid command: \(why)"
            case .negativeGracePeriod: "kill policy grace period is negative"
            case .invalidExecutorID(let problem): "executor ID \(problem)"
            case .executorWithoutResources(let id): "new executor \(id) declares no resources"
            case .executorMismatch(let id): "executor \(id) is already in use with a different executor info"
            case .invalidExecutorCommand(let id, let why): "invalid command of executor \(id): \(why)"
            case .groupTaskHasExecutor: "a task in a task group must not have its own executor"
            case .groupTaskWithoutCommand: "a task run by the default executor needs a command"
            case .groupMemberInvalid(let culprit, let problem): "task group refused because task \(culprit): \(problem.text)"
            case .invalidOffers(let problem): "offers are invalid: \(problem)"
            case .invalidIsolation(let why): "invalid isolation options: \(why)"
            }
        }
    }

    /// The refused task.
    public var taskID: TaskID
    /// The reason reported with the update: ``TaskReason/taskInvalid``, ``TaskReason/taskGroupInvalid`` or
    /// ``TaskReason/invalidOffers``.
    public var reason: TaskReason
    /// What is wrong.
    public var problem: Problem

    /// An error.
    public init(taskID: TaskID, reason: TaskReason, problem: Problem) {
        self.taskID = taskID
        self.reason = reason
        self.problem = problem
    }

    /// The state the task is reported in: ``TaskState/dropped`` for invalid offers (a transient condition),
    /// ``TaskState/error`` otherwise. Frameworks that are not partition-aware see ``TaskState/lost`` for dropped.
    public var state: TaskState { reason == .invalidOffers ? .dropped : .error }

    /// E.g. `task web-1: task uses no resources`.
    public var description: String { "task \(taskID): \(problem.text)" }
}
