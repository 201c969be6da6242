import KeelCore

/// One node of the allocator's role tree.
///
/// Every role `r` has an internal node (its whole subtree) and a *virtual leaf* child that holds the frameworks
/// subscribed to `r` itself, as Mesos' hierarchical sorter does; this lets `eng` have both frameworks and
/// subroles while siblings are always compared by subtree share. Allocation sums live in the engine's flat
/// per-kind arrays, indexed by node.
struct RoleNode: Sendable {
    /// The role (for a virtual leaf, the role whose own frameworks it holds); `nil` only for the root.
    var role: Role?
    /// Parent node, `-1` for the root.
    var parent: Int32
    /// Whether this is a virtual leaf holding clients.
    var isLeaf: Bool
    /// For an internal node, its virtual leaf; for a leaf, its internal node.
    var partner: Int32
    /// Children in the current sort order (internal nodes only); the virtual leaf is one of them.
    var children: ContiguousArray<Int32> = []
    /// The role's weight (both the internal node and its leaf carry it). Default 1.
    var weight: Double = 1
    /// Cached weighted dominant share of the node's allocation, the sibling sort key.
    var share: Double = 0
    /// Name used to break share ties deterministically (`role.name`, with the leaf sorting first).
    var tieName: String
    /// Leaf only: offerable clients (active, unsuppressed) in DRF order.
    var order = ShareOrder()
    /// Leaf only: the same clients in arbitrary order, for the random policy.
    var members: ContiguousArray<Int32> = []
    /// Internal only: quota guarantee per kind (`0` when absent), empty when the role has no guarantee.
    var guarantee: ContiguousArray<Int64> = []
    /// Internal only: quota limit per kind (`-1` when that kind is unlimited), empty when no limit.
    var limit: ContiguousArray<Int64> = []
    /// Whether this node or an ancestor has a limit (so allocations under it must be capped).
    var limitedPath = false
    /// Whether this node or an ancestor has a guarantee.
    var guaranteedPath = false
}
