import KeelCore

/// An allocator that, for each agent, draws roles at random in proportion to their weights and frameworks inside
/// a role uniformly — Mesos' answer to offer starvation when a few frameworks sit at the top of a DRF order
/// and decline everything. Seeded by ``AllocatorConfiguration/seed``, so runs are reproducible. Quota,
/// reservations, filters and constraints behave exactly as in ``HierarchicalDRFAllocator``.
public typealias WeightedRandomAllocator = PolicyAllocator<WeightedRandomPolicy>

/// Marks ``WeightedRandomAllocator``.
public enum WeightedRandomPolicy: AllocationPolicyKind {
    /// ``AllocationPolicy/weightedRandom``.
    public static var policy: AllocationPolicy { .weightedRandom }
}
