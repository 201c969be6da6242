import Foundation
import KeelLog
import Testing
@testable import KeelStorage

@Suite struct FileStateStoreTests {
    @Test func lockPreventsASecondOpenUntilClosed() async throws {
        try await withTemporaryDirectory { directory in
            let first = try await FileStateStore(directory: directory, configuration: quietConfiguration())
            try await first.append([bytes("mine")])
            let error = await #expect(throws: StorageError.self) {
                _ = try await FileStateStore(directory: directory, configuration: quietConfiguration())
            }
            guard case let .locked(path, holder) = error else {
                Issue.record("unexpected error \(String(describing: error))")
                return
            }
            #expect(path == directory + "/LOCK")
            #expect(holder == "pid \(ProcessInfo.processInfo.processIdentifier)")
            // The refused opener did not disturb the holder.
            try await first.append([bytes("still mine")])
            await first.close()
            #expect(try await recoverFileStore(directory).records == [bytes("mine"), bytes("still mine")])
        }
    }

    @Test func createsMissingDirectories() async throws {
        try await withTemporaryDirectory { root in
            let directory = root + "/a/b/c"
            let store = try await FileStateStore(directory: directory, configuration: quietConfiguration())
            try await store.append([bytes("x")])
            await store.close()
            #expect(try await recoverFileStore(directory).records == [bytes("x")])
        }
    }

    /// A crash after the compacted file was written but before the rename leaves `state.log.tmp`
    /// next to the intact old log: the old log wins and the leftover is removed.
    @Test func leftoverCompactionFileIsIgnored() async throws {
        try await withTemporaryDirectory { directory in
            let store = try await FileStateStore(directory: directory, configuration: quietConfiguration())
            try await store.append([bytes("a")])
            try await store.compact(snapshot: bytes("snapshot-1"))
            try await store.append([bytes("b")])
            await store.close()
            let expected = RecoveredState(snapshot: bytes("snapshot-1"), records: [bytes("b")])
            // A complete, valid compacted file that never got renamed…
            var pending = LogFormat.fileHeader(hasSnapshot: true)
            LogFormat.appendFrame(kind: .snapshot, payload: [bytes("snapshot-2")], to: &pending)
            let temp = logPath(directory) + ".tmp"
            try writeFile(temp, pending)
            let sink = MemoryLogSink()
            #expect(try await recoverFileStore(directory, quietConfiguration(sink)) == expected)
            #expect(!FileManager.default.fileExists(atPath: temp))
            #expect(!sink.records(containing: "leftover compaction file").isEmpty)
            // …and a half-written one.
            try writeFile(temp, Array(pending.prefix(20)))
            #expect(try await recoverFileStore(directory) == expected)
        }
    }

    @Test func compactionShrinksTheLog() async throws {
        try await withTemporaryDirectory { directory in
            let store = try await FileStateStore(directory: directory, configuration: quietConfiguration())
            for index in 0..<100 { try await store.append([Array(repeating: UInt8(index), count: 100)]) }
            let before = store.logBytes
            try await store.compact(snapshot: bytes("small"))
            #expect(store.logBytes < before)
            #expect(store.logBytes == (try readFile(logPath(directory))).count)
            await store.close()
        }
    }

    @Test func oversizedBatchOrSnapshotIsRefusedAndTheStoreStaysUsable() async throws {
        try await withTemporaryDirectory { directory in
            var configuration = quietConfiguration()
            configuration.maximumEntryBytes = 1024
            let store = try await FileStateStore(directory: directory, configuration: configuration)
            await #expect(throws: StorageError.entryTooLarge(bytes: 1 + 4 + 4 + 2000, limit: 1024)) {
                try await store.append([[UInt8](repeating: 1, count: 2000)])
            }
            await #expect(throws: StorageError.entryTooLarge(bytes: 1 + 2000, limit: 1024)) {
                try await store.compact(snapshot: [UInt8](repeating: 1, count: 2000))
            }
            try await store.append([bytes("fits")])
            #expect(try await store.recover().records == [bytes("fits")])
            await store.close()
        }
    }

    /// The store folds its own log once records exceed the threshold; nothing is lost.
    @Test func automaticCompactionFoldsTheLog() async throws {
        try await withTemporaryDirectory { directory in
            let sink = MemoryLogSink()
            var configuration = quietConfiguration(sink)
            configuration.automaticCompaction = .init(thresholdBytes: 300) { state in
                (state.snapshot ?? []) + state.records.flatMap { $0 }
            }
            let store = try await FileStateStore(directory: directory, configuration: configuration)
            var all: [UInt8] = []
            for index in 0..<200 {
                let record = [UInt8(truncatingIfNeeded: index), UInt8(truncatingIfNeeded: index >> 8)]
                all += record
                try await store.append([record])
                #expect(store.logBytes < 300 + 400 + 100, "log grows without bound at \(index)")
            }
            let state = try await store.recover()
            #expect((state.snapshot ?? []) + state.records.flatMap { $0 } == all)
            #expect(state.snapshot != nil)
            #expect(sink.records(containing: "compacted log").count >= 5)
            await store.close()
            let reopened = try await recoverFileStore(directory)
            #expect((reopened.snapshot ?? []) + reopened.records.flatMap { $0 } == all)
        }
    }

    /// Group commit: batches handed to the I/O thread together go out as one frame (one write,
    /// one fsync); a batch never spans frames when the maximum entry size forces a split.
    @Test func groupCommitWritesOneFramePerRound() async throws {
        try await withTemporaryDirectory { directory in
            var configuration = quietConfiguration()
            configuration.maximumEntryBytes = 64
            let engine = try LogEngine(directory: directory, configuration: configuration, gauge: StorageThread())
            let batches: [[[UInt8]]] = [[bytes("a"), bytes("b")], [bytes("c")], [bytes("d"), bytes("e"), bytes("f")]]
            let results = engine.commit(batches.map { (LogFormat.encodeRecords($0), $0.count) })
            #expect(results.count == 3)
            #expect(frameCount(try readFile(logPath(directory))) == 1)
            let big: [[[UInt8]]] = [[[UInt8](repeating: 7, count: 40)], [[UInt8](repeating: 8, count: 40)]]
            _ = engine.commit(big.map { (LogFormat.encodeRecords($0), $0.count) })
            #expect(frameCount(try readFile(logPath(directory))) == 3)
            #expect(try engine.recover().records == (batches + big).flatMap { $0 })
            engine.close()
        }
    }

    private func frameCount(_ log: [UInt8]) -> Int {
        var offset = LogFormat.fileHeaderSize, count = 0
        while case let .valid(length) = LogFormat.checkFrame(log, at: offset, maximumEntryBytes: 1 << 20) {
            offset += LogFormat.frameHeaderSize + length
            count += 1
        }
        return offset == log.count ? count : -1
    }
}
