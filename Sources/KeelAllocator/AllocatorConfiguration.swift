import KeelCore

/// Allocator-wide settings; every field has a documented default matching Mesos' master flags where one exists.
public struct AllocatorConfiguration: Sendable {
    /// The smallest offers worth making: an offer must hold at least one of these quantity sets.
    /// Default `cpus:0.01` or `mem:32` (Mesos' `--min_allocatable_resources` default). Empty: any non-empty offer.
    public var minimumAllocatable: [ResourceQuantities]
    /// Scalar resource names ignored when computing dominant shares (Mesos' `--fair_sharing_excluded_resource_names`).
    /// Default none.
    public var fairnessExcludedResourceNames: Set<String>
    /// Visit agents in a seeded random order each cycle so no agent is systematically offered first, as Mesos
    /// does. Default `true`.
    public var shuffleAgents: Bool
    /// Seed for agent shuffling and the weighted random allocator; the same seed and event sequence produce the
    /// same offers. Default `0x4B45454C`.
    public var seed: UInt64
    /// Where time comes from (refuse filter expiry). Default ``MonotonicClock``.
    public var clock: any AllocatorClock

    /// A configuration; every parameter has the documented default.
    public init(
        minimumAllocatable: [ResourceQuantities] = [ResourceQuantities([("cpus", Quantity(milli: 10))]),
                                                    ResourceQuantities([("mem", Quantity(32))])],
        fairnessExcludedResourceNames: Set<String> = [],
        shuffleAgents: Bool = true,
        seed: UInt64 = 0x4B45_454C,
        clock: any AllocatorClock = MonotonicClock()
    ) {
        self.minimumAllocatable = minimumAllocatable
        self.fairnessExcludedResourceNames = fairnessExcludedResourceNames
        self.shuffleAgents = shuffleAgents
        self.seed = seed
        self.clock = clock
    }
}
