import KeelCore

/// Resources on one agent offered to one framework for one of its roles.
///
/// The allocator already counts offered resources as allocated to the framework; they return to the pool only
/// through ``Allocator/recoverResources(framework:agent:role:resources:filter:)`` (decline, rescind, task end).
public struct Offer: Sendable, Hashable, Codable {
    /// Who receives the offer.
    public var frameworkID: FrameworkID
    /// Where the resources are.
    public var agentID: AgentID
    /// The role under which the framework receives (and is charged for) them.
    public var role: Role
    /// What is offered; never empty.
    public var resources: Resources

    /// An offer.
    public init(frameworkID: FrameworkID, agentID: AgentID, role: Role, resources: Resources) {
        self.frameworkID = frameworkID
        self.agentID = agentID
        self.role = role
        self.resources = resources
    }
}

/// A framework's request not to be offered an agent's resources again for a while (Mesos' `refuse_seconds`).
///
/// Attached when resources are recovered (typically a decline); it applies to the (framework, agent, role)
/// triple until it expires on the allocator's clock, or until the framework revives the role.
public struct RefuseFilter: Sendable, Hashable, Codable {
    /// How long to refuse; zero or negative means no filter. Mesos' default is five seconds.
    public var duration: Duration

    /// A filter lasting `duration`.
    public init(duration: Duration = .seconds(5)) { self.duration = duration }

    /// Refuse for `seconds` seconds.
    public static func seconds(_ seconds: Int64) -> RefuseFilter { RefuseFilter(duration: .seconds(seconds)) }

    /// A filter that in practice never expires (what Mesos' benchmark uses: `INT_MAX` seconds).
    public static let forever = RefuseFilter(duration: .seconds(Int64(Int32.max)))
}
