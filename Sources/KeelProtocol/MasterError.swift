import KeelCore

/// Why the master refused a call. Registered by ``registerWireTypes(on:)``, so callers receive it as itself.
///
/// Per-task outcomes of an accept are never thrown: they arrive as status updates (``TaskState/error`` or
/// ``TaskState/dropped``), so a framework has one path for them.
public enum MasterError: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    /// The caller speaks an incompatible contract version.
    case incompatibleVersion(offered: ProtocolVersion, supported: ProtocolVersion)
    /// A field of the framework's ``FrameworkInfo`` is invalid.
    case invalidFrameworkInfo(field: String, reason: String)
    /// A field of the agent's ``AgentInfo`` is invalid.
    case invalidAgentInfo(field: String, reason: String)
    /// The framework is not subscribed (never was, or its scheduler must re-subscribe first).
    case frameworkNotSubscribed(FrameworkID)
    /// The framework was torn down or its failover timeout expired; its ID may not be used again.
    case frameworkRemoved(FrameworkID)
    /// The agent is not registered with this master; it must (re-)register.
    case agentNotRegistered(AgentID)
    /// The agent was marked gone; it may not re-register under this ID.
    case agentGone(AgentID)
    /// The request is malformed; the text says which field and why.
    case invalidRequest(String)
    /// The master knows no such task (neither live nor among the recently completed ones).
    case unknownTask(FrameworkID, TaskID)
    /// The agent is known but cannot be asked now (unreachable, gone, or the call to it failed); the text says why.
    case agentUnavailable(AgentID, reason: String)

    /// A sentence naming the framework, agent or field concerned.
    public var description: String {
        switch self {
        case .incompatibleVersion(let offered, let supported):
            "protocol version \(offered) is not compatible with the master's \(supported)"
        case .invalidFrameworkInfo(let field, let reason): "invalid framework info: \(field) \(reason)"
        case .invalidAgentInfo(let field, let reason): "invalid agent info: \(field) \(reason)"
        case .frameworkNotSubscribed(let id): "framework \(id) is not subscribed"
        case .frameworkRemoved(let id): "framework \(id) has been removed and cannot subscribe again"
        case .agentNotRegistered(let id): "agent \(id) is not registered"
        case .agentGone(let id): "agent \(id) has been marked gone and cannot re-register"
        case .invalidRequest(let detail): "invalid request: \(detail)"
        case .unknownTask(let frameworkID, let taskID): "task \(taskID) of framework \(frameworkID) is unknown to the master"
        case .agentUnavailable(let id, let reason): "agent \(id) is unavailable: \(reason)"
        }
    }
}
