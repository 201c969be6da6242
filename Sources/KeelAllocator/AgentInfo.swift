import KeelCore

/// What the allocator needs to know about an agent.
public struct AgentInfo: Sendable, Hashable, Codable {
    /// The agent's host name, for diagnostics only. Default empty.
    public var hostname: String
    /// Everything the agent offers to the cluster, reserved or not.
    public var resources: Resources
    /// Descriptive attributes matched by ``AttributeConstraint``s. Default none.
    public var attributes: Attributes

    /// An agent description.
    public init(hostname: String = "", resources: Resources, attributes: Attributes = Attributes()) {
        self.hostname = hostname
        self.resources = resources
        self.attributes = attributes
    }
}

