import KeelCore

/// Resources of one agent offered to one framework for one of its roles (Mesos' `Offer`).
///
/// An offer is valid until it is accepted, declined, rescinded (``SchedulerService/rescind(_:)``) or times out; the
/// resources in it are allocated to the framework meanwhile.
public struct Offer: Sendable, Hashable, Codable {
    /// The offer's identity.
    public var id: OfferID
    /// The framework it is made to.
    public var frameworkID: FrameworkID
    /// The agent whose resources these are.
    public var agentID: AgentID
    /// The agent's host name.
    public var hostname: String
    /// The framework role the resources are allocated to.
    public var allocationRole: Role
    /// The offered resources.
    public var resources: Resources
    /// The agent's attributes.
    public var attributes: Attributes
    /// The framework's executors already running on the agent (their resources are not needed again).
    public var executorIDs: [ExecutorID]

    /// An offer.
    public init(id: OfferID, frameworkID: FrameworkID, agentID: AgentID, hostname: String, allocationRole: Role,
                resources: Resources, attributes: Attributes = Attributes(), executorIDs: [ExecutorID] = []) {
        self.id = id
        self.frameworkID = frameworkID
        self.agentID = agentID
        self.hostname = hostname
        self.allocationRole = allocationRole
        self.resources = resources
        self.attributes = attributes
        self.executorIDs = executorIDs
    }
}
