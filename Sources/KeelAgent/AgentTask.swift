import KeelContainer
import KeelCore
import KeelProtocol

/// What the agent knows about one task it was asked to run (Mesos' `Task` on the agent).
struct AgentTask: Sendable {
    /// The task's framework.
    var frameworkID: FrameworkID
    /// The task as launched.
    var info: TaskInfo
    /// The executor that runs it; for command tasks the built-in command executor named after the task (as Mesos).
    var executorID: ExecutorID
    /// The container, once launched.
    var containerID: ContainerID?
    /// The sandbox directory holding the task's `stdout` and `stderr`, once launched.
    var sandbox: String?
    /// The latest state recorded (possibly not yet delivered).
    var state: TaskState = .staging
    /// Whether a kill was requested; the exit is then reported as ``TaskState/killed``.
    var killRequested = false

    /// The grace period of a kill: the kill request's policy, else the task's, else the agent's default.
    func gracePeriod(override: KillPolicy?, default fallback: Duration) -> Duration {
        max(.zero, override?.gracePeriod ?? info.killPolicy?.gracePeriod ?? fallback)
    }
}

extension ProcessExit {
    /// The wire form of a container's termination; `nil` when the exit status was lost.
    init?(_ status: ContainerTermination.Status) {
        switch status {
        case .exited(let code): self = .exited(code: code)
        case .signaled(let signal, _): self = .signaled(signal: signal)
        case .unknown: return nil
        }
    }
}

enum CommandTranslation {
    /// The container command for a task's command.
    static func command(_ program: CommandInfo.Program) -> ContainerCommand? {
        switch program {
        case .shell(let text): return .shell(text)
        case .argv(let arguments):
            guard let executable = arguments.first else { return nil }
            return .argv(executable: executable, arguments: Array(arguments.dropFirst()))
        }
    }

    /// The task's environment plus `KEEL_*` identities the task did not set itself.
    static func environment(_ command: CommandInfo, key: TaskKey, agentID: AgentID?, executorID: ExecutorID)
        -> [String: String] {
        var environment: [String: String] = [:]
        for variable in command.environment { environment[variable.name] = variable.value }
        var defaults = [
            "KEEL_FRAMEWORK_ID": key.frameworkID.value, "KEEL_TASK_ID": key.taskID.value,
            "KEEL_EXECUTOR_ID": executorID.value,
        ]
        if let agentID { defaults["KEEL_AGENT_ID"] = agentID.value }
        for (name, value) in defaults where environment[name] == nil { environment[name] = value }
        return environment
    }

    /// A container ID (a safe path component) for the `run`-th container of a task: the task ID with unsafe
    /// characters replaced by `_`, shortened, plus the run number.
    static func containerID(for taskID: TaskID, run: UInt64) throws(ContainerizerError) -> ContainerID {
        let safe = taskID.value.unicodeScalars.prefix(96).map { scalar -> Character in
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", "_", "-", ".": Character(scalar)
            default: "_"
            }
        }
        return try ContainerID(String(safe) + "-\(run)")
    }
}
