import Foundation
import KeelLog
import Testing
@testable import KeelStorage

/// Torn writes, corruption and bad files: every outcome is either a documented recovery or a
/// precise error naming the file and byte offset.
@Suite struct FileStateStoreRecoveryTests {
    /// Writes `batches` through a store, returning the log size after each append (frame ends).
    private func writeLog(_ directory: String, _ batches: [[[UInt8]]]) async throws -> [Int] {
        let store = try await FileStateStore(directory: directory, configuration: quietConfiguration())
        var ends: [Int] = [store.logBytes]
        for batch in batches {
            try await store.append(batch)
            ends.append(store.logBytes)
        }
        await store.close()
        return ends
    }

    private let batches: [[[UInt8]]] = [
        [bytes("first"), bytes("batch")],
        [bytes("second")],
        [bytes("third"), [], bytes("batch of three")],
        [bytes("the"), bytes("last"), bytes("batch"), [1, 2, 3, 4, 5, 6, 7, 8, 9]],
    ]

    @Test func tornWriteAtEveryOffsetOfTheLastBatchRecoversExactlyThePreviousBatches() async throws {
        try await withTemporaryDirectory { source in
            let ends = try await writeLog(source, batches)
            let log = try readFile(logPath(source))
            #expect(log.count == ends[4])
            let previous = batches[0..<3].flatMap { $0 }
            for cut in ends[3]...ends[4] {
                try await withTemporaryDirectory { directory in
                    try writeFile(logPath(directory), Array(log[..<cut]))
                    let sink = MemoryLogSink()
                    let store = try await FileStateStore(directory: directory, configuration: quietConfiguration(sink))
                    let recovered = try await store.recover().records
                    if cut == ends[4] {
                        #expect(recovered == batches.flatMap { $0 })
                        #expect(sink.records(containing: "torn tail").isEmpty)
                    } else {
                        #expect(recovered == previous, "cut at \(cut)")
                        #expect(store.logBytes == ends[3], "cut at \(cut)")
                        // Cutting exactly at the previous frame's end leaves nothing torn to report.
                        #expect(sink.records(containing: "torn tail").isEmpty == (cut == ends[3]), "cut at \(cut)")
                    }
                    // The truncated log takes new appends and recovers them.
                    try await store.append([bytes("after")])
                    await store.close()
                    let reopened = try await recoverFileStore(directory)
                    #expect(reopened.records.last == bytes("after"), "cut at \(cut)")
                    #expect(reopened.records.count == recovered.count + 1, "cut at \(cut)")
                }
            }
        }
    }

    @Test func corruptBodyInTheMiddleIsAPreciseError() async throws {
        try await withTemporaryDirectory { directory in
            let ends = try await writeLog(directory, batches)
            var log = try readFile(logPath(directory))
            log[ends[1] + LogFormat.frameHeaderSize + 3] ^= 0x40 // inside the second frame's body
            try writeFile(logPath(directory), log)
            let error = await #expect(throws: StorageError.self) { _ = try await recoverFileStore(directory) }
            guard case let .corruptEntry(path, offset, reason, next) = error else {
                Issue.record("unexpected error \(String(describing: error))")
                return
            }
            #expect(path == logPath(directory))
            #expect(offset == ends[1])
            #expect(next == ends[2])
            #expect(reason.contains("body checksum mismatch"))
            #expect(error?.description.contains("byte offset \(ends[1])") == true)
            #expect(try readFile(logPath(directory)) == log, "nothing may be truncated")
        }
    }

    @Test func corruptFrameHeaderInTheMiddleIsAPreciseError() async throws {
        try await withTemporaryDirectory { directory in
            let ends = try await writeLog(directory, batches)
            var log = try readFile(logPath(directory))
            log[ends[2] + 1] ^= 0x01 // the third frame's length field
            try writeFile(logPath(directory), log)
            let error = await #expect(throws: StorageError.self) { _ = try await recoverFileStore(directory) }
            guard case let .corruptEntry(_, offset, reason, next) = error else {
                Issue.record("unexpected error \(String(describing: error))")
                return
            }
            #expect(offset == ends[2])
            #expect(next == ends[3])
            #expect(reason.contains("frame header checksum mismatch"))
        }
    }

    @Test func truncatePolicyDropsEverythingFromTheCorruptEntry() async throws {
        try await withTemporaryDirectory { directory in
            let ends = try await writeLog(directory, batches)
            var log = try readFile(logPath(directory))
            log[ends[1] + LogFormat.frameHeaderSize + 3] ^= 0x40
            try writeFile(logPath(directory), log)
            let sink = MemoryLogSink()
            var configuration = quietConfiguration(sink)
            configuration.corruptionPolicy = .truncate
            #expect(try await recoverFileStore(directory, configuration).records == batches[0])
            #expect(sink.records.contains { $0.level == .error && $0.message.contains("corrupt entry") })
            #expect(try await recoverFileStore(directory).records == batches[0])
        }
    }

    @Test func corruptLastEntryIsATornTailAndIsTruncated() async throws {
        try await withTemporaryDirectory { directory in
            let ends = try await writeLog(directory, batches)
            var log = try readFile(logPath(directory))
            log[ends[4] - 2] ^= 0xFF
            try writeFile(logPath(directory), log)
            let sink = MemoryLogSink()
            #expect(try await recoverFileStore(directory, quietConfiguration(sink)).records == batches[0..<3].flatMap { $0 })
            let warning = sink.records(containing: "torn tail").first
            #expect(warning?.level == .warning)
            #expect(warning?.metadata.contains { $0 == ("offset", "\(ends[3])") } == true)
            #expect(try readFile(logPath(directory)).count == ends[3])
        }
    }

    @Test func zeroFilledTailIsTruncated() async throws {
        try await withTemporaryDirectory { directory in
            let ends = try await writeLog(directory, batches)
            try writeFile(logPath(directory), try readFile(logPath(directory)) + [UInt8](repeating: 0, count: 4096))
            #expect(try await recoverFileStore(directory).records == batches.flatMap { $0 })
            #expect(try readFile(logPath(directory)).count == ends[4])
        }
    }

    /// Damage from an entry to the end, longer than one frame can be, is not a torn write.
    @Test func damagedTailLongerThanOneWriteIsAnError() async throws {
        try await withTemporaryDirectory { directory in
            var configuration = quietConfiguration()
            configuration.maximumEntryBytes = 64
            let store = try await FileStateStore(directory: directory, configuration: configuration)
            var ends = [store.logBytes]
            for index in 0..<6 {
                try await store.append([[UInt8](repeating: UInt8(index), count: 20)])
                ends.append(store.logBytes)
            }
            await store.close()
            var log = try readFile(logPath(directory))
            for index in ends[1]..<log.count { log[index] = 0 }
            try writeFile(logPath(directory), log)
            let zeroHeaderCRC = String(CRC32C.checksum([UInt8](repeating: 0, count: 8)), radix: 16)
            await #expect(throws: StorageError.corruptTail(path: logPath(directory), offset: ends[1], reason: "frame header checksum mismatch: stored 0x0, computed 0x\(zeroHeaderCRC)",
                                                           bytes: ends[6] - ends[1], maximumTornBytes: 12 + 64)) {
                _ = try await recoverFileStore(directory, configuration)
            }
            // Damage of at most one frame's size at the end is a torn write.
            let torn = Array(log[..<(ends[1] + 12 + 64)])
            try writeFile(logPath(directory), torn)
            #expect(try await recoverFileStore(directory, configuration).records == [[UInt8](repeating: 0, count: 20)])
        }
    }

    @Test func corruptSnapshotIsAnErrorNeverATornTail() async throws {
        try await withTemporaryDirectory { directory in
            let store = try await FileStateStore(directory: directory, configuration: quietConfiguration())
            try await store.compact(snapshot: bytes("the whole registry"))
            await store.close()
            var log = try readFile(logPath(directory))
            log[log.count - 1] ^= 0x01
            try writeFile(logPath(directory), log)
            let error = await #expect(throws: StorageError.self) { _ = try await recoverFileStore(directory) }
            guard case let .corruptSnapshot(path, offset, reason) = error else {
                Issue.record("unexpected error \(String(describing: error))")
                return
            }
            #expect(path == logPath(directory))
            #expect(offset == LogFormat.fileHeaderSize)
            #expect(reason.contains("body checksum mismatch"))
            try writeFile(logPath(directory), Array(log[..<LogFormat.fileHeaderSize]))
            await #expect(throws: StorageError.corruptSnapshot(path: logPath(directory), offset: 16, reason: "the header announces a snapshot but the file ends before it")) {
                _ = try await recoverFileStore(directory)
            }
        }
    }

    @Test func badMagicIsAPreciseError() async throws {
        try await withTemporaryDirectory { directory in
            try writeFile(logPath(directory), bytes("NOTALOG!") + [UInt8](repeating: 0, count: 40))
            await #expect(throws: StorageError.badMagic(path: logPath(directory), found: bytes("NOTALOG!"), expected: bytes("KEELSTOR"))) {
                _ = try await recoverFileStore(directory)
            }
        }
    }

    @Test func unsupportedVersionIsAPreciseError() async throws {
        try await withTemporaryDirectory { directory in
            var header = bytes("KEELSTOR") + [2, 0, 0, 0]
            LogFormat.appendLE(CRC32C.checksum(header), to: &header)
            try writeFile(logPath(directory), header)
            let error = await #expect(throws: StorageError.unsupportedVersion(path: logPath(directory), found: 2, supported: 1)) {
                _ = try await recoverFileStore(directory)
            }
            #expect(error?.description.contains("version 2") == true)
        }
    }

    @Test func damagedOrShortFileHeaderIsAPreciseError() async throws {
        try await withTemporaryDirectory { directory in
            var header = LogFormat.fileHeader(hasSnapshot: false)
            #expect(header == bytes("KEELSTOR") + [1, 0, 0, 0] + header[12...]) // frozen layout
            header[10] = 0x80 // an unknown flag, without fixing the checksum
            try writeFile(logPath(directory), header)
            let error = await #expect(throws: StorageError.self) { _ = try await recoverFileStore(directory) }
            guard case .fileHeaderChecksumMismatch(logPath(directory), _, _) = error else {
                Issue.record("unexpected error \(String(describing: error))")
                return
            }
            try writeFile(logPath(directory), Array(header[..<5]))
            await #expect(throws: StorageError.truncatedFileHeader(path: logPath(directory), size: 5, expected: 16)) {
                _ = try await recoverFileStore(directory)
            }
        }
    }
}
