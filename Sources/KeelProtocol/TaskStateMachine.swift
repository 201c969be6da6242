/// The legal moves of the master's record of one task (pure; the master and the agent's status update manager call
/// it before recording a status).
///
/// - A new task starts in ``TaskState/staging`` (sent to an agent), ``TaskState/error`` (refused by validation) or
///   ``TaskState/dropped`` (refused because its offer or agent was no longer valid).
/// - Terminal states have no way out; ``TaskState/unknown`` is never recorded.
/// - ``TaskState/running`` may repeat (health and check changes); other states may not.
/// - ``TaskState/unreachable`` may move to anything the re-admitted agent reports, or to a terminal state.
public enum TaskStateMachine {
    /// The states a task may be recorded in first.
    public static let initialStates: Set<TaskState> = [.staging, .error, .dropped]

    private static let ends: Set<TaskState> = [.finished, .failed, .killed, .lost, .unreachable, .gone, .goneByOperator]

    /// Every state reachable in one step from `state` (`nil`: a task not yet recorded).
    public static func successors(of state: TaskState?) -> Set<TaskState> {
        guard let state else { return initialStates }
        switch state {
        case .staging: return ends.union([.starting, .running, .killing, .dropped])
        case .starting: return ends.union([.running, .killing])
        case .running: return ends.union([.running, .killing])
        case .killing: return ends
        case .unreachable:
            return [.staging, .starting, .running, .killing, .finished, .failed, .killed, .lost, .dropped, .gone,
                    .goneByOperator]
        case .finished, .failed, .killed, .error, .lost, .dropped, .gone, .goneByOperator, .unknown: return []
        }
    }

    /// Returns `next` when a task in `current` (`nil`: not yet recorded) may move to it.
    ///
    /// - Throws: ``TaskTransitionError`` naming both states and why the move is illegal.
    public static func transition(from current: TaskState?, to next: TaskState) throws(TaskTransitionError) -> TaskState {
        if next == .unknown || current == .unknown {
            throw TaskTransitionError(from: current, to: next, problem: .reconciliationOnly)
        }
        guard let current else {
            guard initialStates.contains(next) else {
                throw TaskTransitionError(from: nil, to: next, problem: .notAnInitialState)
            }
            return next
        }
        if current.isTerminal { throw TaskTransitionError(from: current, to: next, problem: .fromTerminal) }
        guard successors(of: current).contains(next) else {
            throw TaskTransitionError(from: current, to: next, problem: next == .error ? .errorAfterLaunch : .notAllowed)
        }
        return next
    }

    /// Checks a whole status against the task's current state: the transition and, when the status has a reason,
    /// that the reason fits the new state (``TaskReason/isConsistent(with:)``). Returns the new state.
    ///
    /// - Throws: ``TaskTransitionError``.
    public static func apply(_ status: TaskStatus, to current: TaskState?) throws(TaskTransitionError) -> TaskState {
        if let reason = status.reason, !reason.isConsistent(with: status.state) {
            throw TaskTransitionError(from: current, to: status.state, problem: .inconsistentReason(reason))
        }
        return try transition(from: current, to: status.state)
    }
}

/// An illegal task state change (see ``TaskStateMachine``).
public struct TaskTransitionError: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    /// Why the change is illegal.
    public enum Problem: Sendable, Hashable, Codable {
        /// The task is already in a terminal state.
        case fromTerminal
        /// ``TaskState/unknown`` is a reconciliation answer, never a recorded state.
        case reconciliationOnly
        /// A new task must start in staging, error or dropped.
        case notAnInitialState
        /// ``TaskState/error`` is only for tasks refused before launch.
        case errorAfterLaunch
        /// No edge of the state machine leads there.
        case notAllowed
        /// The status' reason cannot accompany the new state.
        case inconsistentReason(TaskReason)
    }

    /// The recorded state (`nil`: the task was not yet recorded).
    public var from: TaskState?
    /// The requested state.
    public var to: TaskState
    /// Why it is illegal.
    public var problem: Problem

    /// An error.
    public init(from: TaskState?, to: TaskState, problem: Problem) {
        self.from = from
        self.to = to
        self.problem = problem
    }

    /// E.g. `illegal task transition TASK_FINISHED -> TASK_RUNNING: TASK_FINISHED is terminal`.
    public var description: String {
        let origin = from?.rawValue ?? "(new task)"
        let why = switch problem {
        case .fromTerminal: "\(origin) is terminal"
        case .reconciliationOnly: "TASK_UNKNOWN is only a reconciliation answer and is never recorded"
        case .notAnInitialState: "a new task must start in TASK_STAGING, TASK_ERROR or TASK_DROPPED"
        case .errorAfterLaunch: "TASK_ERROR is only for tasks refused before launch"
        case .notAllowed: "no such transition"
        case .inconsistentReason(let reason): "reason \(reason.rawValue) cannot accompany \(to.rawValue)"
        }
        return "illegal task transition \(origin) -> \(to.rawValue): \(why)"
    }
}
