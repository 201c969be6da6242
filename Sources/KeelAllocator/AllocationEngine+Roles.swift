import KeelCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension AllocationEngine {
    /// The internal node of `role`, creating it and its ancestors (each with a virtual leaf) on first use.
    mutating func ensureRole(_ role: Role) -> Int32 {
        if let node = roleNodes[role] { return node }
        let parent = role.parent.map { ensureRole($0) } ?? 0
        let node = Int32(nodes.count)
        let leaf = node + 1
        let weight = weights[role] ?? 1
        nodes.append(RoleNode(role: role, parent: parent, isLeaf: false, partner: leaf, weight: weight,
                              tieName: role.name))
        appendNodeRows()
        nodes.append(RoleNode(role: role, parent: node, isLeaf: true, partner: node, weight: weight,
                              tieName: role.name))
        appendNodeRows()
        nodes[Int(node)].children.append(leaf)
        nodes[Int(parent)].children.append(node)
        nodes[Int(node)].limitedPath = nodes[Int(parent)].limitedPath
        nodes[Int(node)].guaranteedPath = nodes[Int(parent)].guaranteedPath
        roleNodes[role] = node
        resortChildren(of: parent)
        leafOrderDirty = true
        return node
    }

    /// Whether `lhs` should be visited before `rhs` among siblings under the current policy.
    @inline(__always)
    func siblingPrecedes(_ lhs: Int32, _ rhs: Int32) -> Bool {
        let left = nodes[Int(lhs)]
        let right = nodes[Int(rhs)]
        switch policy {
        case .strictPriority:
            if left.weight != right.weight { return left.weight > right.weight }
        case .drf, .weightedRandom:
            if left.share != right.share { return left.share < right.share }
        }
        if left.tieName != right.tieName { return left.tieName < right.tieName }
        return left.isLeaf && !right.isLeaf
    }

    mutating func resortChildren(of node: Int32) {
        let sorted = nodes[Int(node)].children.sorted { siblingPrecedes($0, $1) }
        nodes[Int(node)].children = ContiguousArray(sorted)
    }

    /// Recomputes the cached share of `node` and moves it among its siblings if its rank changed.
    mutating func refreshNodeShare(_ node: Int32) {
        let share = dominantShare(nodeAlloc, row: Int(node)) / nodes[Int(node)].weight
        guard share != nodes[Int(node)].share else { return }
        nodes[Int(node)].share = share
        guard policy != .strictPriority else { return }
        let parent = nodes[Int(node)].parent
        guard parent >= 0 else { return }
        // Siblings are few; an insertion-sort step keeps them ordered without a full sort.
        var siblings = nodes[Int(parent)].children
        guard var index = siblings.firstIndex(of: node) else { return }
        var moved = false
        while index + 1 < siblings.count && siblingPrecedes(siblings[index + 1], node) {
            siblings.swapAt(index, index + 1)
            index += 1
            moved = true
        }
        while index > 0 && siblingPrecedes(node, siblings[index - 1]) {
            siblings.swapAt(index, index - 1)
            index -= 1
            moved = true
        }
        if moved {
            nodes[Int(parent)].children = siblings
            leafOrderDirty = true
        }
    }

    /// Leaves holding offerable clients, in the policy's role order (cached until a share or set changes).
    mutating func orderedLeaves() -> ContiguousArray<Int32> {
        if leafOrderDirty {
            leafOrder.removeAll(keepingCapacity: true)
            var stack: [Int32] = [0]
            while let node = stack.popLast() {
                let record = nodes[Int(node)]
                if record.isLeaf {
                    if record.order.count > 0 { leafOrder.append(node) }
                } else {
                    stack.append(contentsOf: record.children.reversed())
                }
            }
            leafOrderDirty = false
        }
        return leafOrder
    }

    /// A weighted random leaf order for one agent: at every level, siblings are drawn without replacement with
    /// probability proportional to weight (exponential keys −ln(u)/w, smallest first).
    mutating func randomLeaves() -> ContiguousArray<Int32> {
        var result = ContiguousArray<Int32>()
        var stack: [Int32] = [0]
        while let node = stack.popLast() {
            let record = nodes[Int(node)]
            if record.isLeaf {
                if record.members.count > 0 { result.append(node) }
                continue
            }
            var keyed: [(key: Double, node: Int32)] = []
            keyed.reserveCapacity(record.children.count)
            for child in record.children {
                let unit = Swift.max(random.nextUnit(), 1e-300)
                keyed.append((key: -log(unit) / nodes[Int(child)].weight, node: child))
            }
            keyed.sort { $0.key > $1.key }
            stack.append(contentsOf: keyed.map(\.node))
        }
        return result
    }

    /// Recomputes every share and rebuilds every order after cluster totals changed: O(clients log clients),
    /// paid at most once per cycle rather than once per agent added.
    mutating func refreshAllShares() {
        for kind in 0..<stride {
            let total = kind < kindNames.count ? clusterTotal[kind] : 0
            let excluded = kind < kindNames.count && excludedKinds.contains(kindNames[kind])
            inverseTotals[kind] = total > 0 && !excluded ? 1.0 / Double(total) : 0
        }
        var perLeaf: [Int32: [ShareOrder.Entry]] = [:]
        for index in clients.indices where clients[index].live {
            let share = dominantShare(clientAlloc, row: index)
            clients[index].share = share
            if clients[index].listed {
                perLeaf[clients[index].leaf, default: []].append(ShareOrder.Entry(share: share, id: Int32(index)))
            }
        }
        for index in nodes.indices {
            nodes[index].share = dominantShare(nodeAlloc, row: index) / nodes[index].weight
            if nodes[index].isLeaf { nodes[index].order.rebuild(perLeaf[Int32(index)] ?? []) }
        }
        for index in nodes.indices where !nodes[index].isLeaf { resortChildren(of: Int32(index)) }
        leafOrderDirty = true
        sharesDirty = false
    }
}
