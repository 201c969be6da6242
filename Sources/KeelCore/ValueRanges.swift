/// A set of non-negative integers stored as sorted, disjoint, non-adjacent closed intervals (e.g. ports).
///
/// The normal form is an invariant: `[1-3,4-6]` is stored as `[1-6]`, so `==` means "same integers".
/// Adding merges, subtracting splits, and both run in O(n + m) over the interval counts.
public struct ValueRanges: Sendable, Hashable, CustomStringConvertible {
    /// The intervals in ascending order, pairwise disjoint and non-adjacent.
    public private(set) var intervals: [ClosedRange<UInt64>]

    /// No integers.
    public init() { intervals = [] }

    /// Any intervals, merged into normal form (overlap is allowed here; use ``init(validating:)`` to reject it).
    public init(normalizing ranges: some Sequence<ClosedRange<UInt64>>) {
        let sorted = ranges.sorted { $0.lowerBound < $1.lowerBound }
        var merged: [ClosedRange<UInt64>] = []
        merged.reserveCapacity(sorted.count)
        for range in sorted {
            if let last = merged.last, last.upperBound == UInt64.max || range.lowerBound <= last.upperBound + 1 {
                merged[merged.count - 1] = last.lowerBound...Swift.max(last.upperBound, range.upperBound)
            } else {
                merged.append(range)
            }
        }
        intervals = merged
    }

    /// Intervals that must not share an element, as operator-written text must not; adjacency is fine.
    public init(validating ranges: [ClosedRange<UInt64>]) throws(ResourceParseError) {
        let sorted = ranges.sorted { $0.lowerBound < $1.lowerBound }
        for (previous, next) in zip(sorted, sorted.dropFirst()) where next.lowerBound <= previous.upperBound {
            throw ResourceParseError(.overlappingRanges, token: "\(next.lowerBound)-\(next.upperBound)", position: 0,
                                     detail: "range overlaps \(previous.lowerBound)-\(previous.upperBound)")
        }
        self.init(normalizing: sorted)
    }

    /// Whether there are no integers.
    public var isEmpty: Bool { intervals.isEmpty }

    /// How many integers are covered (saturating at `UInt64.max`).
    public var count: UInt64 {
        var total: UInt64 = 0
        for range in intervals {
            let (width, overflow) = (range.upperBound - range.lowerBound).addingReportingOverflow(1)
            if overflow { return UInt64.max }
            let (sum, sumOverflow) = total.addingReportingOverflow(width)
            if sumOverflow { return UInt64.max }
            total = sum
        }
        return total
    }

    /// Whether `value` is covered.
    public func contains(_ value: UInt64) -> Bool {
        var low = 0
        var high = intervals.count
        while low < high {
            let mid = (low + high) / 2
            if intervals[mid].upperBound < value { low = mid + 1 } else { high = mid }
        }
        return low < intervals.count && intervals[low].contains(value)
    }

    /// Whether every integer of `other` is covered by `self`.
    public func contains(_ other: ValueRanges) -> Bool {
        var index = 0
        for range in other.intervals {
            while index < intervals.count && intervals[index].upperBound < range.lowerBound { index += 1 }
            guard index < intervals.count,
                  intervals[index].lowerBound <= range.lowerBound,
                  intervals[index].upperBound >= range.upperBound else { return false }
        }
        return true
    }

    /// The union.
    public func adding(_ other: ValueRanges) -> ValueRanges {
        if other.isEmpty { return self }
        if isEmpty { return other }
        return ValueRanges(normalizing: intervals + other.intervals)
    }

    /// The integers of `self` not in `other`; intervals are split where `other` cuts through them.
    public func subtracting(_ other: ValueRanges) -> ValueRanges {
        if other.isEmpty || isEmpty { return self }
        var result: [ClosedRange<UInt64>] = []
        var cut = 0
        for range in intervals {
            var low = range.lowerBound
            let high = range.upperBound
            var exhausted = false
            while cut < other.intervals.count && other.intervals[cut].upperBound < low { cut += 1 }
            var probe = cut
            while probe < other.intervals.count && other.intervals[probe].lowerBound <= high {
                let hole = other.intervals[probe]
                if hole.lowerBound > low { result.append(low...(hole.lowerBound - 1)) }
                if hole.upperBound >= high { exhausted = true; break }
                low = hole.upperBound + 1
                probe += 1
            }
            if !exhausted { result.append(low...high) }
        }
        var ranges = ValueRanges()
        ranges.intervals = result
        return ranges
    }

    /// `[31000-32000,40000-40010]`; a single integer prints as `5-5`.
    public var description: String {
        "[" + intervals.map { "\($0.lowerBound)-\($0.upperBound)" }.joined(separator: ",") + "]"
    }
}

extension ValueRanges: Codable {
    private struct Bounds: Codable {
        var begin: UInt64
        var end: UInt64
    }

    /// Decodes `[{"begin":1,"end":5},…]`, rejecting inverted and overlapping intervals.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let bounds = try container.decode([Bounds].self)
        do throws(ResourceParseError) {
            var ranges: [ClosedRange<UInt64>] = []
            for bound in bounds {
                guard bound.begin <= bound.end else {
                    throw ResourceParseError(.invertedRange, token: "\(bound.begin)-\(bound.end)", position: 0,
                                             detail: "range end is below its begin")
                }
                ranges.append(bound.begin...bound.end)
            }
            try self.init(validating: ranges)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    /// Encodes as `[{"begin":…,"end":…},…]`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(intervals.map { Bounds(begin: $0.lowerBound, end: $0.upperBound) })
    }
}
