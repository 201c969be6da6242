import KeelCore

/// What the allocator needs to know about a framework (a subset of Mesos' `FrameworkInfo`).
public struct FrameworkConfig: Sendable, Hashable, Codable {
    /// The roles the framework is subscribed to; offers are made per role. Default: the default role `*`.
    public var roles: [Role]
    /// Whether the framework can use GPUs. As in Mesos, a framework without this capability is never offered an
    /// agent that has GPUs, so GPU machines are kept for those that need them. Default `false`.
    public var gpuCapable: Bool
    /// Per-role minimum offer sizes, overriding ``AllocatorConfiguration/minimumAllocatable``: an offer for that
    /// role is made only if it holds at least one of the listed quantity sets. Default: none (use the global one).
    public var minimumAllocatable: [Role: [ResourceQuantities]]
    /// Per-role placement constraints; all of a role's constraints must hold for an agent to be offered under that
    /// role. Default: none.
    public var constraints: [Role: [AttributeConstraint]]

    /// A configuration; every parameter has the documented default.
    public init(
        roles: [Role] = [.any],
        gpuCapable: Bool = false,
        minimumAllocatable: [Role: [ResourceQuantities]] = [:],
        constraints: [Role: [AttributeConstraint]] = [:]
    ) {
        self.roles = roles
        self.gpuCapable = gpuCapable
        self.minimumAllocatable = minimumAllocatable
        self.constraints = constraints
    }
}

