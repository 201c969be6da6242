import KeelCore

/// A role's quota: a guarantee the allocator satisfies before anything else, and a limit it never exceeds.
///
/// Consumption counts everything allocated to the role's subtree plus everything reserved to it (allocated or
/// not), as in Mesos 1.9+. A role whose guarantee is not met gets resources first (stage one), and unreserved
/// resources other roles could take are held back as headroom until it is met.
public struct Quota: Sendable, Hashable, Codable {
    /// Amounts guaranteed to the role. Default none.
    public var guarantee: ResourceQuantities
    /// Maximum amounts the role may consume; names absent here are unlimited. `nil` means no limit (default).
    public var limit: ResourceQuantities?

    /// A quota; throws nothing here — ``Allocator/updateQuota(_:_:)`` validates guarantee ≤ limit.
    public init(guarantee: ResourceQuantities = ResourceQuantities(), limit: ResourceQuantities? = nil) {
        self.guarantee = guarantee
        self.limit = limit
    }
}

