import KeelCore
import Testing

@Suite struct ValueRangesTests {
    @Test func normalizesMergingOverlapAndAdjacency() {
        let ranges = ValueRanges(normalizing: [10...20, 1...3, 4...6, 15...30])
        #expect(ranges.intervals == [1...6, 10...30])
        #expect(ranges.count == 27)
    }

    @Test func subtractSplits() {
        let ports = ValueRanges(normalizing: [31000...32000])
        let taken = ValueRanges(normalizing: [31000...31000, 31500...31600, 32000...32000])
        let left = ports.subtracting(taken)
        #expect(left.intervals == [31001...31499, 31601...31999])
        #expect(left.adding(taken) == ports)
        #expect(ports.contains(taken))
        #expect(!left.contains(taken))
        #expect(ports.contains(31999))
        #expect(!left.contains(31500))
    }

    @Test func validatingRejectsOverlap() {
        let error = #expect(throws: ResourceParseError.self) { try ValueRanges(validating: [1...5, 5...9]) }
        #expect(error?.reason == .overlappingRanges)
        #expect((try? ValueRanges(validating: [1...4, 5...9]))?.intervals == [1...9])
    }

    /// Compares the interval algebra against a plain `Set<UInt64>` model over a small universe.
    @Test func seededPropertyMatchesSetModel() {
        var random = SplitMix64(seed: 0xA11CE)
        func randomRanges() -> ValueRanges {
            var list: [ClosedRange<UInt64>] = []
            for _ in 0..<random.next(below: 5) {
                let low = UInt64(random.next(below: 60))
                list.append(low...(low + UInt64(random.next(below: 8))))
            }
            return ValueRanges(normalizing: list)
        }
        func model(_ ranges: ValueRanges) -> Set<UInt64> {
            Set(ranges.intervals.flatMap { Array($0) })
        }
        for _ in 0..<2_000 {
            let a = randomRanges()
            let b = randomRanges()
            #expect(model(a.adding(b)) == model(a).union(model(b)))
            #expect(model(a.subtracting(b)) == model(a).subtracting(model(b)))
            #expect(a.contains(b) == model(b).isSubset(of: model(a)))
            #expect(a.subtracting(b).adding(b) == a.adding(b))
            let normal = a.adding(b).intervals
            for (left, right) in zip(normal, normal.dropFirst()) { #expect(left.upperBound + 1 < right.lowerBound) }
        }
    }
}
