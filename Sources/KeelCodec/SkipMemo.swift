/// Scratch space for ``WireScan/skipValue(_:_:depth:limits:scratch:)``, reused for a whole message.
struct SkipScratch {
    /// The explicit walk stack.
    var stack: [Int] = []
    /// Known container ends.
    var memo: SkipMemo

    init(messageSize: Int) {
        memo = SkipMemo(enabled: messageSize >= SkipMemo.minimumMessageSize)
    }
}

/// Remembers where skipped containers end, keyed by their start offset.
///
/// Without it, a keyed container's scan walks every nested value, and decoding that value later
/// scans it again, so a message nested `d` levels deep costs up to `d` walks per byte. With the
/// memo each container is walked once. It is only enabled for messages of at least
/// ``minimumMessageSize`` bytes, where the bookkeeping pays off (and smaller messages are cheap
/// to rescan). Entries are appended in document order, so `starts` stays sorted.
struct SkipMemo {
    /// Messages smaller than this are rescanned instead of memoized.
    static let minimumMessageSize = 4096

    let enabled: Bool
    private var starts: [Int] = []
    private var ends: [Int] = []

    init(enabled: Bool) { self.enabled = enabled }

    /// The end of the container starting at `start`, if it was walked completely before.
    @inline(__always)
    func end(ofContainerAt start: Int) -> Int? {
        guard enabled, let first = starts.first, let last = starts.last, start >= first, start <= last else {
            return nil
        }
        var low = 0
        var high = starts.count &- 1
        while low <= high {
            let middle = (low &+ high) >> 1
            let value = starts[middle]
            if value == start { return ends[middle] >= 0 ? ends[middle] : nil }
            if value < start { low = middle &+ 1 } else { high = middle &- 1 }
        }
        return nil
    }

    /// Starts an entry for the container at `start`; returns its index, or -1 if not recorded.
    @inline(__always)
    mutating func open(_ start: Int) -> Int {
        guard enabled, start > (starts.last ?? -1) else { return -1 }
        starts.append(start)
        ends.append(-1)
        return starts.count &- 1
    }

    /// Completes entry `index` (from ``open(_:)``).
    @inline(__always)
    mutating func close(_ index: Int, end: Int) {
        if index >= 0 {
            ends[index] = end
        }
    }
}
