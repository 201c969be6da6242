/// Who produced a status update (Mesos' `TaskStatus.Source`).
public enum TaskStatusSource: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// The master (validation errors, unreachable agents, reconciliation, framework removal).
    case master = "SOURCE_MASTER"
    /// The agent (executor exits, launch failures, agent restarts).
    case agent = "SOURCE_AGENT"
    /// The task's executor.
    case executor = "SOURCE_EXECUTOR"

    /// The Mesos name, e.g. `SOURCE_AGENT`.
    public var description: String { rawValue }
}
