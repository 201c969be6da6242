import Testing
@testable import KeelStorage

/// The log's entry codec, below the store.
@Suite struct LogFormatTests {
    /// Recovery gathers the records of every entry into one array. It once reserved exactly each
    /// entry's count on top of what was there, which defeats the array's geometric growth: a log of
    /// many small entries reallocated (and copied everything gathered so far) on nearly every entry.
    @Test func recordsOfManySmallEntriesAccumulateWithAmortisedGrowth() throws {
        let entries = 4_096
        var records: [[UInt8]] = []
        var capacityChanges = 0
        for index in 0..<entries {
            let record: [UInt8] = [UInt8(truncatingIfNeeded: index), UInt8(truncatingIfNeeded: index >> 8)]
            var payload: [UInt8] = []
            LogFormat.appendLE(UInt32(1), to: &payload)
            payload += LogFormat.encodeRecords([record])
            let before = records.capacity
            try LogFormat.decodeRecords(payload[...], at: 0, path: "log", into: &records)
            if records.capacity != before { capacityChanges += 1 }
        }
        #expect(records.count == entries)
        #expect(records[4_095] == [0xFF, 0x0F])
        // Doubling from one element to 4,096 takes 13 reallocations; allow for the allocator's rounding.
        #expect(capacityChanges <= 20, "\(capacityChanges) reallocations for \(entries) entries")
    }
}
