import KeelCore

/// Ask the master for the latest state of tasks (Mesos' `Call.Reconcile`).
///
/// Explicit (``tasks`` non-empty): one update per listed task, with ``TaskReason/reconciliation``. Implicit
/// (``tasks`` empty): one update for every task the master knows for the framework. Answers need no
/// acknowledgement.
public struct ReconcileRequest: Sendable, Hashable, Codable {
    /// One task to reconcile.
    public struct Task: Sendable, Hashable, Codable {
        /// The task.
        public var taskID: TaskID
        /// Its agent, when the framework knows it.
        public var agentID: AgentID?

        /// A task reference.
        public init(taskID: TaskID, agentID: AgentID? = nil) {
            self.taskID = taskID
            self.agentID = agentID
        }
    }

    /// The caller.
    public var frameworkID: FrameworkID
    /// The tasks; empty for implicit reconciliation.
    public var tasks: [Task]

    /// A reconciliation request.
    public init(frameworkID: FrameworkID, tasks: [Task] = []) {
        self.frameworkID = frameworkID
        self.tasks = tasks
    }

    /// Whether this asks for every task of the framework.
    public var isImplicit: Bool { tasks.isEmpty }
}
