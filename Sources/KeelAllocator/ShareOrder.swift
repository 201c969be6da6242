/// Clients kept in ascending (share, id) order with O(√n)-ish updates and cheap in-order scans.
///
/// DRF repeatedly asks "who has the smallest share?" and then raises that client's share, so the structure must
/// support both a fast in-order walk (skipping filtered clients) and a cheap reposition of one client. A flat
/// sorted array costs O(n) memmove per reposition (≈2 GB moved per cycle at 50k agents × 6k frameworks); a list
/// of bounded blocks caps that at one block, and a binary search over block maxima finds the block.
struct ShareOrder: Sendable {
    /// One client and the share it is ordered by.
    struct Entry: Sendable {
        var share: Double
        var id: Int32

        @inline(__always)
        static func precedes(_ lhs: Entry, _ rhs: Entry) -> Bool {
            lhs.share < rhs.share || (lhs.share == rhs.share && lhs.id < rhs.id)
        }
    }

    /// Blocks are split beyond this size, so a reposition moves at most this many entries.
    static let blockCapacity = 64

    /// Non-empty blocks, each sorted, and every entry of block i precedes every entry of block i + 1.
    private(set) var blocks: ContiguousArray<ContiguousArray<Entry>> = []
    /// Number of entries.
    private(set) var count = 0

    /// The index of the block where `entry` belongs (the first whose last entry does not precede it).
    private func blockIndex(for entry: Entry) -> Int {
        var low = 0
        var high = blocks.count
        while low < high {
            let mid = (low + high) / 2
            let block = blocks[mid]
            if Entry.precedes(block[block.count - 1], entry) { low = mid + 1 } else { high = mid }
        }
        return low
    }

    private static func position(of entry: Entry, in block: ContiguousArray<Entry>) -> Int {
        var low = 0
        var high = block.count
        while low < high {
            let mid = (low + high) / 2
            if Entry.precedes(block[mid], entry) { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// Inserts a client that is not yet present.
    mutating func insert(_ entry: Entry) {
        count += 1
        if blocks.isEmpty {
            blocks.append([entry])
            return
        }
        let index = Swift.min(blockIndex(for: entry), blocks.count - 1)
        let position = ShareOrder.position(of: entry, in: blocks[index])
        blocks[index].insert(entry, at: position)
        if blocks[index].count > ShareOrder.blockCapacity {
            let upper = ContiguousArray(blocks[index][(ShareOrder.blockCapacity / 2)...])
            blocks[index].removeSubrange((ShareOrder.blockCapacity / 2)...)
            blocks.insert(upper, at: index + 1)
        }
    }

    /// Removes the client `entry` (its exact current share is required); returns whether it was present.
    @discardableResult
    mutating func remove(_ entry: Entry) -> Bool {
        let index = blockIndex(for: entry)
        guard index < blocks.count else { return false }
        let position = ShareOrder.position(of: entry, in: blocks[index])
        guard position < blocks[index].count, blocks[index][position].id == entry.id else { return false }
        blocks[index].remove(at: position)
        if blocks[index].isEmpty { blocks.remove(at: index) }
        count -= 1
        return true
    }

    /// Moves client `id` from share `old` to share `new`.
    mutating func update(id: Int32, from old: Double, to new: Double) {
        guard old != new else { return }
        if remove(Entry(share: old, id: id)) { insert(Entry(share: new, id: id)) }
    }

    /// Replaces the contents with `entries` in one O(n log n) sort (used when cluster totals change).
    mutating func rebuild(_ entries: [Entry]) {
        let sorted = entries.sorted(by: Entry.precedes)
        blocks = []
        count = sorted.count
        var start = 0
        let half = ShareOrder.blockCapacity / 2
        while start < sorted.count {
            let end = Swift.min(start + half, sorted.count)
            blocks.append(ContiguousArray(sorted[start..<end]))
            start = end
        }
    }

    /// All client ids in order (for diagnostics and tests).
    var ids: [Int32] { blocks.flatMap { $0.map(\.id) } }
}
