import KeelAllocator
import KeelCore

func resources(_ text: String) throws -> Resources { try Resources.parse(text) }

func role(_ name: String) throws -> Role { try Role(name) }

/// A configuration with a manual clock, no agent shuffling unless asked, and a fixed seed.
func configuration(clock: ManualClock = ManualClock(), shuffle: Bool = false, seed: UInt64 = 7,
                   minimum: [ResourceQuantities]? = nil) -> AllocatorConfiguration {
    var config = AllocatorConfiguration(shuffleAgents: shuffle, seed: seed, clock: clock)
    if let minimum { config.minimumAllocatable = minimum }
    return config
}

/// Drives frameworks that each launch at most one task per cycle (on the first offer that fits) and decline
/// everything else without a filter, until a cycle launches nothing. Returns tasks launched per framework.
func runTasks(
    _ allocator: inout some Allocator, demands: [FrameworkID: Resources], maxCycles: Int = 10_000
) throws -> [FrameworkID: Int] {
    var tasks: [FrameworkID: Int] = [:]
    for _ in 0..<maxCycles {
        var launched = Set<FrameworkID>()
        for offer in allocator.allocate() {
            var returned = offer.resources
            if let demand = demands[offer.frameworkID], !launched.contains(offer.frameworkID),
               offer.resources.contains(demand) {
                launched.insert(offer.frameworkID)
                tasks[offer.frameworkID, default: 0] += 1
                returned = offer.resources - demand
            }
            if !returned.isEmpty {
                try allocator.recoverResources(framework: offer.frameworkID, agent: offer.agentID, role: offer.role,
                                               resources: returned, filter: nil)
            }
        }
        if launched.isEmpty { break }
    }
    return tasks
}

/// Declines every offer with the given filter.
func declineAll(_ offers: [Offer], _ allocator: inout some Allocator, filter: RefuseFilter?) throws {
    for offer in offers {
        try allocator.recoverResources(framework: offer.frameworkID, agent: offer.agentID, role: offer.role,
                                       resources: offer.resources, filter: filter)
    }
}

/// The framework's dominant share in `role` from a snapshot.
func share(_ snapshot: AllocatorSnapshot, _ framework: FrameworkID, _ role: Role = .any) -> Double {
    snapshot.frameworks.first { $0.id == framework }?.roles.first { $0.role == role }?.dominantShare ?? 0
}
