import KeelCore

extension AllocationEngine {
    /// Which pass of a cycle is running.
    enum Stage {
        /// Quota guarantees: only roles under a guarantee, and only up to what is still owed to them.
        case guarantee
        /// Everyone, under limits and without eating the headroom that unmet guarantees still need.
        case general
    }

    @inline(__always)
    func consumed(_ node: Int32, _ kind: Int) -> Int64 {
        nodeReserved[Int(node) * stride + kind] &+ nodeAllocUnreserved[Int(node) * stride + kind]
    }

    /// Per kind, what a guaranteeing node is still owed (`-1` where it guarantees nothing of that kind).
    func unmet(_ node: Int32) -> ContiguousArray<Int64> {
        var owed = ContiguousArray<Int64>(repeating: -1, count: kindNames.count)
        let guarantee = nodes[Int(node)].guarantee
        for kind in 0..<kindNames.count where kind < guarantee.count && guarantee[kind] > 0 {
            owed[kind] = Swift.max(0, guarantee[kind] - consumed(node, kind))
        }
        return owed
    }

    /// Guaranteeing nodes with no guaranteeing ancestor: their unmet amounts add up to the required headroom.
    var topGuaranteedNodes: [Int32] {
        nodes.indices.compactMap { index in
            guard !nodes[index].isLeaf, !nodes[index].guarantee.isEmpty else { return nil }
            let parent = nodes[index].parent
            return parent > 0 && nodes[Int(parent)].guaranteedPath ? nil : Int32(index)
        }
    }

    /// Whether some guarantee is still unmet (so stage one and headroom matter this cycle).
    func hasUnmetGuarantee() -> Bool {
        for index in nodes.indices where !nodes[index].isLeaf && !nodes[index].guarantee.isEmpty {
            if unmet(Int32(index)).contains(where: { $0 > 0 }) { return true }
        }
        return false
    }

    /// Per-kind caps on the unreserved scalars an allocation to role `node` may take (`-1`: uncapped), or `nil`
    /// when nothing caps it. In stage one, kinds no guarantee covers are capped at zero.
    func caps(for node: Int32, stage: Stage, headroom: Bool) -> ContiguousArray<Int64>? {
        let record = nodes[Int(node)]
        guard record.limitedPath || stage == .guarantee || headroom else { return nil }
        let kinds = kindNames.count
        var caps = ContiguousArray<Int64>(repeating: -1, count: kinds)
        func tighten(_ kind: Int, _ value: Int64) {
            caps[kind] = caps[kind] < 0 ? Swift.max(0, value) : Swift.min(caps[kind], Swift.max(0, value))
        }
        var current = node
        var topGuaranteed: Int32 = -1
        var owed = ContiguousArray<Int64>(repeating: -1, count: kinds)
        while current > 0 {
            let limit = nodes[Int(current)].limit
            for kind in 0..<kinds where kind < limit.count && limit[kind] >= 0 {
                tighten(kind, limit[kind] - consumed(current, kind))
            }
            if !nodes[Int(current)].guarantee.isEmpty {
                topGuaranteed = current
                let remaining = unmet(current)
                for kind in 0..<kinds where remaining[kind] >= 0 {
                    owed[kind] = owed[kind] < 0 ? remaining[kind] : Swift.min(owed[kind], remaining[kind])
                }
            }
            current = nodes[Int(current)].parent
        }
        switch stage {
        case .guarantee:
            for kind in 0..<kinds { tighten(kind, Swift.max(0, owed[kind])) }
        case .general where headroom:
            var required = ContiguousArray<Int64>(repeating: 0, count: kinds)
            for top in topGuaranteedNodes where top != topGuaranteed {
                let remaining = unmet(top)
                for kind in 0..<kinds where remaining[kind] > 0 { required[kind] &+= remaining[kind] }
            }
            for kind in 0..<kinds where required[kind] > 0 {
                tighten(kind, clusterFreeUnreserved[kind] - required[kind])
            }
        case .general:
            break
        }
        return caps
    }

    /// `offerable` with unreserved scalars cut down to `caps`; ranges and sets come along only if some scalar
    /// does, so a capped-out role is not offered bare ports.
    func applying(_ caps: ContiguousArray<Int64>, to offerable: Resources) -> Resources {
        var result = Resources()
        var others: [Resource] = []
        for entry in offerable {
            guard entry.reservation == nil else {
                result.add(entry)
                continue
            }
            guard case .scalar(let amount) = entry.value else {
                others.append(entry)
                continue
            }
            guard let kind = kindIndex(entry.name), kind < caps.count, caps[kind] >= 0 else {
                result.add(entry)
                continue
            }
            let allowed = Swift.min(amount.milli, caps[kind])
            if allowed > 0 { result.add(.scalar(entry.name, Quantity(milli: allowed))) }
        }
        if !result.isEmpty { for entry in others { result.add(entry) } }
        return result
    }

    mutating func updateWeights(_ newWeights: [Role: Double]) throws(AllocatorError) {
        for (role, weight) in newWeights where !(weight.isFinite && weight > 0) {
            throw AllocatorError.invalidWeight(role, weight)
        }
        for (role, weight) in newWeights {
            weights[role] = weight
            let node = ensureRole(role)
            nodes[Int(node)].weight = weight
            nodes[Int(nodes[Int(node)].partner)].weight = weight
        }
        sharesDirty = true
        pendingAll = true
    }

    mutating func updateQuota(_ role: Role, _ quota: Quota?) throws(AllocatorError) {
        if let quota, let limit = quota.limit {
            let limited = Set(limit.map(\.name))
            for entry in quota.guarantee where limited.contains(entry.name) && limit[entry.name] < entry.amount {
                throw AllocatorError.invalidQuota(role, "guarantee \(entry.name):\(entry.amount) exceeds the limit")
            }
        }
        let node = Int(ensureRole(role))
        quotas[role] = quota
        nodes[node].guarantee = []
        nodes[node].limit = []
        if let quota {
            if !quota.guarantee.isEmpty {
                var row = ContiguousArray<Int64>(repeating: 0, count: stride)
                for entry in quota.guarantee { row[internKind(entry.name)] = entry.amount.milli }
                nodes[node].guarantee = row
            }
            if let limit = quota.limit {
                var row = ContiguousArray<Int64>(repeating: -1, count: stride)
                for entry in limit { row[internKind(entry.name)] = entry.amount.milli }
                // Kinds the limit does not name stay -1: unlimited.
                nodes[node].limit = row
            }
        }
        // Path flags: parents precede children in `nodes`, so one forward pass suffices.
        for index in nodes.indices.dropFirst() {
            let parent = Int(nodes[index].parent)
            nodes[index].limitedPath = !nodes[index].limit.isEmpty || (parent > 0 && nodes[parent].limitedPath)
            nodes[index].guaranteedPath = !nodes[index].guarantee.isEmpty
                || (parent > 0 && nodes[parent].guaranteedPath)
        }
        pendingAll = true
    }
}
