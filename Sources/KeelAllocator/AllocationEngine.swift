import KeelCore

/// The shared machinery behind every ``Allocator`` in this module: bookkeeping of agents, frameworks, roles,
/// allocations and filters, plus the allocation cycle. Implementations differ only in ``Policy``, i.e. how roles
/// and the frameworks inside a role are ordered.
///
/// Layout is chosen for the hot loop: agents, frameworks, (framework, role) "clients" and role nodes are
/// integer-indexed slots; scalar amounts live in flat `Int64` arrays with one row of `stride` kinds per object,
/// so per-cycle work touches no dictionaries, hashes no strings and allocates only the offers it returns.
struct AllocationEngine: Sendable {
    /// How candidates are ordered.
    enum Policy: Sendable {
        /// Roles by weighted dominant share (hierarchically), frameworks inside a role by dominant share.
        case drf
        /// Roles by weight, highest first (ties by name); frameworks inside a role by dominant share.
        case strictPriority
        /// Roles drawn at random in proportion to weight; frameworks inside a role drawn uniformly.
        case weightedRandom
    }

    struct LedgerEntry: Sendable {
        var client: Int32
        var resources: Resources
    }

    struct FilterEntry: Sendable {
        var client: Int32
        var expiry: Int64
    }

    struct AgentRecord: Sendable {
        var id: AgentID
        var live = true
        var active = true
        var pending = false
        var hostname: String
        var attributes: Attributes
        var total: Resources
        var free: Resources
        var hasReservations: Bool
        var hasGPU: Bool
        /// Who holds what on this agent; short (one entry per client with allocations here).
        var ledger: ContiguousArray<LedgerEntry> = []
        /// Refuse filters sorted by client.
        var filters: ContiguousArray<FilterEntry> = []
        /// The earliest filter expiry (`Int64.max` when none), to prune lazily.
        var earliestExpiry = Int64.max
    }

    struct FrameworkRecord: Sendable {
        var id: FrameworkID
        var live = true
        /// `false` for a placeholder created when an agent reported its allocations before it registered.
        var registered: Bool
        var active: Bool
        var config: FrameworkConfig
        /// One client per role the framework is subscribed to or still holds resources in.
        var clients: [(role: Role, client: Int32)] = []
    }

    struct ClientRecord: Sendable {
        var framework: Int32
        var role: Role
        var node: Int32
        var leaf: Int32
        var live = true
        var subscribed = true
        var suppressed = false
        /// Whether the client is in its leaf's order (offerable).
        var listed = false
        var memberPosition: Int32 = -1
        var share: Double = 0
        var gpuCapable = false
        /// The role's own minimum offer sizes (kind, thousandths), `nil` to use the global minimum.
        var minimum: [[(kind: Int, milli: Int64)]]?
        var constraints: [AttributeConstraint] = []
    }

    let policy: Policy
    var clock: any AllocatorClock
    var random: SplitMix64
    var shuffleAgents: Bool
    var excludedKinds: Set<String>

    // Resource kinds (scalar names) and the flat-array row width.
    var kindNames: [String] = []
    var kindLookup: [String: Int] = [:]
    var stride = 8

    var agents: ContiguousArray<AgentRecord> = []
    /// By client slot: the agents on which the client has a ledger entry or a filter, exactly
    /// (``invariantViolations()`` checks), so removing or reviving a framework visits these instead of every agent.
    /// Beside ``clients`` rather than in ``ClientRecord``: the cycle copies client records, and one more reference
    /// in each made every copy dearer.
    var heldAgents: ContiguousArray<Set<Int32>> = []
    var agentSlots: [AgentID: Int32] = [:]
    var freeAgentSlots: [Int32] = []
    /// Free scalars per agent row (all reservations together).
    var agentFree: ContiguousArray<Int64> = []
    var liveAgents: ContiguousArray<Int32> = []
    var liveAgentPosition: ContiguousArray<Int32> = []

    var frameworks: ContiguousArray<FrameworkRecord> = []
    var frameworkSlots: [FrameworkID: Int32] = [:]
    var freeFrameworkSlots: [Int32] = []

    var clients: ContiguousArray<ClientRecord> = []
    var clientAlloc: ContiguousArray<Int64> = []
    var freeClientSlots: [Int32] = []
    var liveClientCount = 0

    var nodes: ContiguousArray<RoleNode> = []
    var nodeAlloc: ContiguousArray<Int64> = []
    var nodeAllocUnreserved: ContiguousArray<Int64> = []
    var nodeReserved: ContiguousArray<Int64> = []
    var roleNodes: [Role: Int32] = [:]
    var weights: [Role: Double] = [:]
    var quotas: [Role: Quota] = [:]
    var leafOrder: ContiguousArray<Int32> = []
    var leafOrderDirty = true

    var clusterTotal: ContiguousArray<Int64> = []
    var clusterFreeUnreserved: ContiguousArray<Int64> = []
    var inverseTotals: ContiguousArray<Double> = []
    var sharesDirty = true

    var globalMinimum: [[(kind: Int, milli: Int64)]] = []

    var pendingAll = true
    var pendingAgents: ContiguousArray<Int32> = []

    /// Scratch rows reused by the slow allocation path and accounting, so they allocate nothing per call.
    var scratchAll: ContiguousArray<Int64> = []
    var scratchUnreserved: ContiguousArray<Int64> = []

    init(policy: Policy, configuration: AllocatorConfiguration) {
        self.policy = policy
        clock = configuration.clock
        random = SplitMix64(seed: configuration.seed)
        shuffleAgents = configuration.shuffleAgents
        excludedKinds = configuration.fairnessExcludedResourceNames
        resizeRows()
        nodes.append(RoleNode(role: nil, parent: -1, isLeaf: false, partner: -1, tieName: ""))
        appendNodeRows()
        globalMinimum = configuration.minimumAllocatable.map { compileMinimum($0) }
    }

    // MARK: Kinds and rows

    /// The kind index of scalar resource `name`, if known; a short linear scan beats hashing for the handful of
    /// kinds real clusters have.
    @inline(__always)
    func kindIndex(_ name: String) -> Int? {
        if kindNames.count <= 16 {
            for index in kindNames.indices where kindNames[index] == name { return index }
            return nil
        }
        return kindLookup[name]
    }

    /// The kind index of `name`, registering it (and widening every row) when new.
    mutating func internKind(_ name: String) -> Int {
        if let index = kindIndex(name) { return index }
        kindNames.append(name)
        kindLookup[name] = kindNames.count - 1
        if kindNames.count > stride { widenRows(to: stride * 2) }
        sharesDirty = true
        return kindNames.count - 1
    }

    private mutating func widenRows(to newStride: Int) {
        func widen(_ rows: inout ContiguousArray<Int64>, count: Int) {
            var wider = ContiguousArray<Int64>(repeating: 0, count: count * newStride)
            for row in 0..<count {
                for kind in 0..<stride { wider[row * newStride + kind] = rows[row * stride + kind] }
            }
            rows = wider
        }
        widen(&agentFree, count: agents.count)
        widen(&clientAlloc, count: clients.count)
        widen(&nodeAlloc, count: nodes.count)
        widen(&nodeAllocUnreserved, count: nodes.count)
        widen(&nodeReserved, count: nodes.count)
        widen(&clusterTotal, count: 1)
        widen(&clusterFreeUnreserved, count: 1)
        for index in nodes.indices {
            if !nodes[index].guarantee.isEmpty {
                nodes[index].guarantee.append(contentsOf: repeatElement(0, count: newStride - stride))
            }
            if !nodes[index].limit.isEmpty {
                nodes[index].limit.append(contentsOf: repeatElement(-1, count: newStride - stride))
            }
        }
        stride = newStride
        resizeRows()
    }

    private mutating func resizeRows() {
        if clusterTotal.count < stride {
            clusterTotal = ContiguousArray(repeating: 0, count: stride)
            clusterFreeUnreserved = ContiguousArray(repeating: 0, count: stride)
        }
        inverseTotals = ContiguousArray(repeating: 0, count: stride)
        scratchAll = ContiguousArray(repeating: 0, count: stride)
        scratchUnreserved = ContiguousArray(repeating: 0, count: stride)
    }

    mutating func appendNodeRows() {
        for _ in 0..<stride {
            nodeAlloc.append(0)
            nodeAllocUnreserved.append(0)
            nodeReserved.append(0)
        }
    }

    mutating func compileMinimum(_ quantities: ResourceQuantities) -> [(kind: Int, milli: Int64)] {
        quantities.map { (kind: internKind($0.name), milli: $0.amount.milli) }
    }

    /// Sums the scalar entries of `resources` into `scratchAll` (everything) and `scratchUnreserved`.
    mutating func loadScratch(_ resources: Resources) {
        for kind in 0..<stride {
            scratchAll[kind] = 0
            scratchUnreserved[kind] = 0
        }
        for entry in resources {
            guard case .scalar(let amount) = entry.value else { continue }
            let kind = internKind(entry.name)
            scratchAll[kind] &+= amount.milli
            if entry.reservation == nil { scratchUnreserved[kind] &+= amount.milli }
        }
    }

    /// The dominant share of row `row` of `storage`: max over kinds of allocated / cluster total.
    @inline(__always)
    func dominantShare(_ storage: ContiguousArray<Int64>, row: Int) -> Double {
        var best = 0.0
        let base = row * stride
        for kind in 0..<kindNames.count {
            let share = Double(storage[base + kind]) * inverseTotals[kind]
            if share > best { best = share }
        }
        return best
    }
}
