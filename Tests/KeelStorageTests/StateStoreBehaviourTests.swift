import Testing
@testable import KeelStorage

/// The contract of ``StateStore``, run against every implementation.
@Suite struct StateStoreBehaviourTests {
    @Test(arguments: StoreKind.allCases)
    func roundTrip(kind: StoreKind) async throws {
        try await withTemporaryDirectory { directory in
            let harness = try await StoreHarness(kind, directory: directory)
            let big = (0..<100_000).map { UInt8(truncatingIfNeeded: $0) }
            try await harness.store.append([bytes("a"), bytes("b")])
            try await harness.store.append([])
            try await harness.store.append([[], big])
            let state = try await harness.store.recover()
            #expect(state == RecoveredState(snapshot: nil, records: [bytes("a"), bytes("b"), [], big]))
            await harness.store.close()
        }
    }

    @Test(arguments: StoreKind.allCases)
    func recoversAfterRestart(kind: StoreKind) async throws {
        try await withTemporaryDirectory { directory in
            let harness = try await StoreHarness(kind, directory: directory)
            #expect(try await harness.store.recover() == RecoveredState())
            try await harness.store.append([bytes("one")])
            try await harness.store.append([bytes("two"), bytes("three")])
            try await harness.restart()
            #expect(try await harness.store.recover().records == [bytes("one"), bytes("two"), bytes("three")])
            try await harness.store.append([bytes("four")])
            try await harness.restart()
            #expect(try await harness.store.recover().records == [bytes("one"), bytes("two"), bytes("three"), bytes("four")])
            await harness.store.close()
        }
    }

    @Test(arguments: StoreKind.allCases)
    func compactionThenAppendsThenRestart(kind: StoreKind) async throws {
        try await withTemporaryDirectory { directory in
            let harness = try await StoreHarness(kind, directory: directory)
            try await harness.store.append([bytes("a")])
            try await harness.store.append([bytes("b")])
            try await harness.store.compact(snapshot: bytes("state:ab"))
            try await harness.store.append([bytes("c")])
            let expected = RecoveredState(snapshot: bytes("state:ab"), records: [bytes("c")])
            #expect(try await harness.store.recover() == expected)
            try await harness.restart()
            #expect(try await harness.store.recover() == expected)
            try await harness.store.compact(snapshot: [])
            try await harness.restart()
            #expect(try await harness.store.recover() == RecoveredState(snapshot: [], records: []))
            await harness.store.close()
        }
    }

    /// 64 tasks append 20 two-record batches each, concurrently. Every record is recovered, each
    /// batch stays contiguous, each task's batches keep their order, and a restart changes nothing.
    @Test(arguments: StoreKind.allCases)
    func concurrentAppendsAreAllRecoveredInAConsistentOrder(kind: StoreKind) async throws {
        try await withTemporaryDirectory { directory in
            let harness = try await StoreHarness(kind, directory: directory)
            let store = harness.store
            let tasks = 64, batches = 20
            try await withThrowingTaskGroup(of: Void.self) { group in
                for task in 0..<tasks {
                    group.addTask {
                        for sequence in 0..<batches {
                            try await store.append([[UInt8(task), UInt8(sequence), 0], [UInt8(task), UInt8(sequence), 1]])
                        }
                    }
                }
                try await group.waitForAll()
            }
            let records = try await store.recover().records
            #expect(records.count == tasks * batches * 2)
            var nextSequence = [Int](repeating: 0, count: tasks)
            var index = 0
            while index + 1 < records.count {
                let first = records[index], second = records[index + 1]
                #expect(first.count == 3 && first[2] == 0 && second == [first[0], first[1], 1], "batch torn apart at \(index)")
                let task = Int(first[0])
                #expect(Int(first[1]) == nextSequence[task], "task \(task) out of order at \(index)")
                nextSequence[task] = Int(first[1]) + 1
                index += 2
            }
            #expect(nextSequence == [Int](repeating: batches, count: tasks))
            try await harness.restart()
            #expect(try await harness.store.recover().records == records)
            await harness.store.close()
        }
    }

    @Test(arguments: StoreKind.allCases)
    func closedStoreRefusesWork(kind: StoreKind) async throws {
        try await withTemporaryDirectory { directory in
            let harness = try await StoreHarness(kind, directory: directory)
            try await harness.store.append([bytes("kept")])
            await harness.store.close()
            await harness.store.close()
            await #expect(throws: StorageError.closed) { try await harness.store.append([bytes("x")]) }
            await #expect(throws: StorageError.closed) { try await harness.store.compact(snapshot: []) }
            await #expect(throws: StorageError.closed) { _ = try await harness.store.recover() }
            try await harness.restart()
            #expect(try await harness.store.recover().records == [bytes("kept")])
            await harness.store.close()
        }
    }
}
