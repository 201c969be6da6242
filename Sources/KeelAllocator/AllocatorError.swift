import KeelCore

/// Why an allocator call was rejected. Rejected calls leave the allocator unchanged.
public enum AllocatorError: Error, Codable, Hashable, Sendable, CustomStringConvertible {
    /// The framework is not known (never added, or removed).
    case unknownFramework(FrameworkID)
    /// A framework with this ID is already registered.
    case duplicateFramework(FrameworkID)
    /// The agent is not known.
    case unknownAgent(AgentID)
    /// An agent with this ID is already present.
    case duplicateAgent(AgentID)
    /// The framework is not subscribed to the role it named.
    case roleNotSubscribed(FrameworkID, Role)
    /// Recovered or transformed resources are not (fully) allocated to that framework and role on that agent.
    case notAllocated(FrameworkID, AgentID, Role, String)
    /// A weight that is not a positive finite number.
    case invalidWeight(Role, Double)
    /// A quota whose guarantee exceeds its limit, or similar.
    case invalidQuota(Role, String)
    /// A constraint whose regular expression does not compile, or a malformed option.
    case invalidConfiguration(String)

    /// One line naming the offending object.
    public var description: String {
        switch self {
        case .unknownFramework(let id): "unknown framework \(id)"
        case .duplicateFramework(let id): "framework \(id) is already registered"
        case .unknownAgent(let id): "unknown agent \(id)"
        case .duplicateAgent(let id): "agent \(id) is already present"
        case .roleNotSubscribed(let id, let role): "framework \(id) is not subscribed to role \(role)"
        case .notAllocated(let framework, let agent, let role, let detail):
            "resources on \(agent) are not allocated to \(framework) in role \(role): \(detail)"
        case .invalidWeight(let role, let weight): "invalid weight \(weight) for role \(role)"
        case .invalidQuota(let role, let detail): "invalid quota for role \(role): \(detail)"
        case .invalidConfiguration(let detail): "invalid configuration: \(detail)"
        }
    }
}
