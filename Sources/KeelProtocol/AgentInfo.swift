import KeelCore

/// What an agent declares when it registers (Mesos' `SlaveInfo`).
public struct AgentInfo: Sendable, Hashable, Codable {
    /// Set when re-registering; `nil` on first registration (the master assigns one).
    public var id: AgentID?
    /// The machine's host name, shown to frameworks in offers; non-empty.
    public var hostname: String
    /// Everything the agent offers (detected, or overridden by configuration); non-empty.
    public var resources: Resources
    /// Operator-defined attributes used by constraints.
    public var attributes: Attributes

    /// An agent description.
    public init(id: AgentID? = nil, hostname: String, resources: Resources, attributes: Attributes = Attributes()) {
        self.id = id
        self.hostname = hostname
        self.resources = resources
        self.attributes = attributes
    }

    /// Checks the fields the master relies on.
    ///
    /// - Throws: ``MasterError/invalidAgentInfo(field:reason:)`` naming the first bad field.
    public func validate() throws(MasterError) {
        if let id, let problem = IdentifierRules.check(id.value) {
            throw .invalidAgentInfo(field: "id", reason: "agent ID \(problem)")
        }
        if hostname.isEmpty { throw .invalidAgentInfo(field: "hostname", reason: "must not be empty") }
        if hostname.utf8.count > 253 { throw .invalidAgentInfo(field: "hostname", reason: "is longer than 253 bytes") }
        if resources.isEmpty { throw .invalidAgentInfo(field: "resources", reason: "an agent must offer resources") }
    }
}
