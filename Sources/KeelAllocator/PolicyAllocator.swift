import KeelCore

/// The policy an allocator follows when it orders roles and frameworks.
public enum AllocationPolicy: String, Sendable, Codable, CaseIterable {
    /// Mesos' hierarchical weighted DRF; see ``HierarchicalDRFAllocator``.
    case hierarchicalDRF
    /// Roles in strict priority order; see ``StrictPriorityAllocator``.
    case strictPriority
    /// Weighted random role order; see ``WeightedRandomAllocator``.
    case weightedRandom

    var enginePolicy: AllocationEngine.Policy {
        switch self {
        case .hierarchicalDRF: .drf
        case .strictPriority: .strictPriority
        case .weightedRandom: .weightedRandom
        }
    }
}

/// A type naming an ``AllocationPolicy``, so each policy's allocator is its own type sharing one
/// implementation (``PolicyAllocator``).
public protocol AllocationPolicyKind: Sendable {
    /// The policy this kind stands for.
    static var policy: AllocationPolicy { get }
}

/// Mesos' hierarchical weighted DRF allocator.
///
/// Roles are visited in ascending *weighted dominant share* — siblings compared by their subtree's allocation,
/// so `eng/web` and `eng/db` share `eng`'s entitlement — and frameworks inside a role in ascending dominant share.
/// Each agent goes whole (within reservations, quota and limits) to the first eligible framework. Quota
/// guarantees are served in a first pass, with headroom held back from everyone else until they are met.
///
/// Cost: a cycle is O(agents × (roles + skipped filtered frameworks) + offers × log frameworks); adding an agent
/// or recovering resources is O(resources + log frameworks) and never re-sorts everything (totals changes are
/// folded into one O(n log n) refresh at the start of the next cycle).
public typealias HierarchicalDRFAllocator = PolicyAllocator<HierarchicalDRFPolicy>

/// An allocator that serves roles in strict priority order: the role with the highest weight gets every agent
/// it can use before the next one sees anything (ties broken by name). Inside a role, frameworks are ordered by
/// dominant share as in DRF. Quota, reservations, filters and constraints behave exactly as in
/// ``HierarchicalDRFAllocator``; lower-priority roles can starve, which is the point.
public typealias StrictPriorityAllocator = PolicyAllocator<StrictPriorityPolicy>

/// Marks ``HierarchicalDRFAllocator``.
public enum HierarchicalDRFPolicy: AllocationPolicyKind {
    /// ``AllocationPolicy/hierarchicalDRF``.
    public static var policy: AllocationPolicy { .hierarchicalDRF }
}

/// Marks ``StrictPriorityAllocator``.
public enum StrictPriorityPolicy: AllocationPolicyKind {
    /// ``AllocationPolicy/strictPriority``.
    public static var policy: AllocationPolicy { .strictPriority }
}

/// The one implementation behind every policy: a thin, typed front of the allocation engine.
///
/// Concurrency: a value type with no locks; own it from one actor (see ``Allocator``).
public struct PolicyAllocator<Policy: AllocationPolicyKind>: Allocator, Sendable {
    var engine: AllocationEngine

    /// An empty allocator configured by `configuration` (every field has a documented default).
    public init(configuration: AllocatorConfiguration = AllocatorConfiguration()) {
        engine = AllocationEngine(policy: Policy.policy.enginePolicy, configuration: configuration)
    }

    /// See ``Allocator/addFramework(_:config:active:suppressedRoles:)``.
    public mutating func addFramework(
        _ id: FrameworkID, config: FrameworkConfig, active: Bool = true, suppressedRoles: Set<Role> = []
    ) throws(AllocatorError) {
        try engine.addFramework(id, config: config, active: active, suppressedRoles: suppressedRoles)
    }

    /// See ``Allocator/updateFramework(_:config:suppressedRoles:)``.
    public mutating func updateFramework(
        _ id: FrameworkID, config: FrameworkConfig, suppressedRoles: Set<Role> = []
    ) throws(AllocatorError) {
        try engine.updateFramework(id, config: config, suppressedRoles: suppressedRoles)
    }

    /// See ``Allocator/removeFramework(_:)``. O(agents on which it holds resources or filters).
    public mutating func removeFramework(_ id: FrameworkID) throws(AllocatorError) { try engine.removeFramework(id) }

    /// See ``Allocator/activateFramework(_:)``.
    public mutating func activateFramework(_ id: FrameworkID) throws(AllocatorError) {
        try engine.setFrameworkActive(id, true)
    }

    /// See ``Allocator/deactivateFramework(_:)``.
    public mutating func deactivateFramework(_ id: FrameworkID) throws(AllocatorError) {
        try engine.setFrameworkActive(id, false)
    }

    /// See ``Allocator/addAgent(_:info:used:)``. O(resources + used), no re-sort.
    public mutating func addAgent(
        _ id: AgentID, info: AgentInfo, used: [FrameworkID: [Role: Resources]] = [:]
    ) throws(AllocatorError) {
        try engine.addAgent(id, info: info, used: used)
    }

    /// See ``Allocator/updateAgent(_:total:)``.
    public mutating func updateAgent(_ id: AgentID, total: Resources) throws(AllocatorError) {
        try engine.updateAgent(id, total: total)
    }

    /// See ``Allocator/removeAgent(_:)``.
    public mutating func removeAgent(_ id: AgentID) throws(AllocatorError) { try engine.removeAgent(id) }

    /// See ``Allocator/activateAgent(_:)``.
    public mutating func activateAgent(_ id: AgentID) throws(AllocatorError) { try engine.setAgentActive(id, true) }

    /// See ``Allocator/deactivateAgent(_:)``.
    public mutating func deactivateAgent(_ id: AgentID) throws(AllocatorError) {
        try engine.setAgentActive(id, false)
    }

    /// See ``Allocator/recoverResources(framework:agent:role:resources:filter:)``. O(log frameworks).
    public mutating func recoverResources(
        framework: FrameworkID, agent: AgentID, role: Role, resources: Resources, filter: RefuseFilter? = nil
    ) throws(AllocatorError) {
        try engine.recover(framework: framework, agent: agent, role: role, resources: resources, filter: filter)
    }

    /// See ``Allocator/transformAllocation(framework:agent:role:from:to:)``.
    public mutating func transformAllocation(
        framework: FrameworkID, agent: AgentID, role: Role, from: Resources, to: Resources
    ) throws(AllocatorError) {
        try engine.transformAllocation(framework: framework, agent: agent, role: role, from: from, to: to)
    }

    /// See ``Allocator/suppressOffers(framework:roles:)``.
    public mutating func suppressOffers(framework: FrameworkID, roles: Set<Role>? = nil) throws(AllocatorError) {
        try engine.suppress(framework, roles: roles)
    }

    /// See ``Allocator/reviveOffers(framework:roles:)``. O(agents on which the revived roles hold something).
    public mutating func reviveOffers(framework: FrameworkID, roles: Set<Role>? = nil) throws(AllocatorError) {
        try engine.revive(framework, roles: roles)
    }

    /// See ``Allocator/updateWeights(_:)``.
    public mutating func updateWeights(_ weights: [Role: Double]) throws(AllocatorError) {
        try engine.updateWeights(weights)
    }

    /// See ``Allocator/updateQuota(_:_:)``.
    public mutating func updateQuota(_ role: Role, _ quota: Quota?) throws(AllocatorError) {
        try engine.updateQuota(role, quota)
    }

    /// See ``Allocator/allocate()``.
    public mutating func allocate() -> [Offer] { engine.allocateAll() }

    /// See ``Allocator/allocatePending()``.
    public mutating func allocatePending() -> [Offer] { engine.allocatePendingAgents() }

    /// See ``Allocator/hasPendingAllocation``.
    public var hasPendingAllocation: Bool { engine.hasPending }

    /// See ``Allocator/snapshot()``.
    public func snapshot() -> AllocatorSnapshot { engine.snapshot() }

    /// Cross-checks the allocator's redundant bookkeeping (ledgers, per-kind rows, cluster sums); empty when
    /// consistent. O(agents × resources); meant for tests and debug builds.
    public func invariantViolations() -> [String] { engine.invariantViolations() }
}
