import KeelCore

/// The pluggable allocation policy of a Keel master, modelled on Mesos' allocator interface.
///
/// The master tells the allocator about frameworks, agents and returned resources, and periodically (or after an
/// event, see ``hasPendingAllocation``) asks it to ``allocate()``: the allocator then decides which framework is
/// offered which agent's free resources, under which role. Everything offered counts as allocated until it is
/// recovered (declined, rescinded, or released when tasks end).
///
/// Guarantees every implementation keeps:
/// - nothing is offered that is not free, and no resource is offered to two frameworks at once;
/// - for every agent, free + allocated = total after any sequence of calls;
/// - resources reserved to a role are offered only to frameworks subscribed to that role or a subrole of it;
/// - quota limits are never exceeded by an allocation and unmet guarantees are served first;
/// - refuse filters hold until they expire on the injected clock or the framework revives the role;
/// - suppressed roles and deactivated frameworks or agents receive nothing;
/// - results are deterministic for a given configuration seed and call sequence.
///
/// Concurrency contract: implementations are value types (or final classes) with no internal locking and no
/// asynchronous work. Own one from exactly one actor (the master) and call it from that actor only; every call
/// runs to completion synchronously. Calls that throw leave the allocator unchanged.
public protocol Allocator {
    /// Registers a framework. Unknown roles are created on demand. `active: false` registers it without offers
    /// (a disconnected framework); `suppressedRoles` start suppressed.
    mutating func addFramework(
        _ id: FrameworkID, config: FrameworkConfig, active: Bool, suppressedRoles: Set<Role>
    ) throws(AllocatorError)

    /// Replaces a framework's configuration. Roles it leaves keep their existing allocations (charged to the
    /// framework) until recovered, but are no longer offered anything.
    mutating func updateFramework(
        _ id: FrameworkID, config: FrameworkConfig, suppressedRoles: Set<Role>
    ) throws(AllocatorError)

    /// Forgets a framework and returns everything allocated to it to the agents' free pools.
    mutating func removeFramework(_ id: FrameworkID) throws(AllocatorError)

    /// Resumes offers to a framework (e.g. after it reconnects).
    mutating func activateFramework(_ id: FrameworkID) throws(AllocatorError)

    /// Stops offers to a framework without touching its allocations.
    mutating func deactivateFramework(_ id: FrameworkID) throws(AllocatorError)

    /// Adds an agent with its total resources. `used` lists resources already in use (after a master failover),
    /// per framework and role; frameworks not yet registered are tracked until they register.
    mutating func addAgent(
        _ id: AgentID, info: AgentInfo, used: [FrameworkID: [Role: Resources]]
    ) throws(AllocatorError)

    /// Replaces an agent's total resources (e.g. after a reconfiguration); allocations are kept and the free
    /// pool becomes total − allocated (never negative).
    mutating func updateAgent(_ id: AgentID, total: Resources) throws(AllocatorError)

    /// Removes an agent; its allocations are dropped from the frameworks' shares.
    mutating func removeAgent(_ id: AgentID) throws(AllocatorError)

    /// Resumes offering an agent's resources.
    mutating func activateAgent(_ id: AgentID) throws(AllocatorError)

    /// Stops offering an agent's resources (e.g. during maintenance) without touching allocations.
    mutating func deactivateAgent(_ id: AgentID) throws(AllocatorError)

    /// Returns resources allocated to `framework` under `role` on `agent` to the free pool (a decline, a
    /// rescind, or tasks finishing). With a `filter`, the (framework, agent, role) triple is not offered again
    /// until the filter expires or the framework revives the role. Throws if the resources are not allocated.
    mutating func recoverResources(
        framework: FrameworkID, agent: AgentID, role: Role, resources: Resources, filter: RefuseFilter?
    ) throws(AllocatorError)

    /// Replaces allocated resources by equally sized ones (a RESERVE or UNRESERVE operation on an offer): the
    /// agent's total changes composition, the framework keeps the same quantities.
    mutating func transformAllocation(
        framework: FrameworkID, agent: AgentID, role: Role, from: Resources, to: Resources
    ) throws(AllocatorError)

    /// Stops offers to the framework for `roles` (all of its roles when `nil`).
    mutating func suppressOffers(framework: FrameworkID, roles: Set<Role>?) throws(AllocatorError)

    /// Resumes offers for `roles` (all when `nil`) and clears the framework's refuse filters for them.
    mutating func reviveOffers(framework: FrameworkID, roles: Set<Role>?) throws(AllocatorError)

    /// Sets role weights (default 1). A weight-2 role is entitled to twice the dominant share of a weight-1 role.
    mutating func updateWeights(_ weights: [Role: Double]) throws(AllocatorError)

    /// Sets (or with `nil` removes) a role's quota.
    mutating func updateQuota(_ role: Role, _ quota: Quota?) throws(AllocatorError)

    /// Runs a full allocation cycle over every agent and returns the new offers (one per framework, agent and
    /// role). Offered resources are allocated until recovered.
    mutating func allocate() -> [Offer]

    /// Runs a cycle only over the agents touched since the last cycle (added, recovered, reactivated), or over
    /// all of them when a framework-wide event happened (framework added, revived, weights or quota changed).
    /// This is the event-triggered allocation; ``allocate()`` is the batched, interval-driven one.
    mutating func allocatePending() -> [Offer]

    /// Whether an event since the last cycle makes ``allocatePending()`` worthwhile.
    var hasPendingAllocation: Bool { get }

    /// A consistent, self-contained view of agents, frameworks and roles, for state endpoints and tests.
    func snapshot() -> AllocatorSnapshot

    /// Cross-checks the allocator's redundant bookkeeping; empty when consistent. For tests and debug builds.
    func invariantViolations() -> [String]
}
