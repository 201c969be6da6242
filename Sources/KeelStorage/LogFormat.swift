/// The on-disk format of a ``FileStateStore`` log (all integers little-endian):
///
/// ```
/// file   := header frame*
/// header := magic "KEELSTOR" (8) | version u16 (= 1) | flags u16 | crc32c(bytes 0..<12) u32      (16 bytes)
/// frame  := length u32 | crc32c(body) u32 | crc32c(bytes 0..<8 of the frame) u32 | body[length]
/// body   := kind u8 (1 = snapshot, 2 = records) | payload
///           snapshot: the snapshot bytes;  records: count u32 | (length u32 | bytes)*count
/// ```
///
/// Flag bit 0 says the first frame is a snapshot (only a compaction, which writes a whole new file
/// and renames it into place, sets it). Each group commit is exactly one records frame written by
/// one `write` and made durable by one `fsync` before the next write starts. Hence a damaged frame
/// followed by a valid one cannot be a torn write: that is corruption and an error, while a damaged
/// frame with nothing valid after it is a torn tail that was never acknowledged, and is truncated.
enum LogFormat {
    static let magic: [UInt8] = Array("KEELSTOR".utf8)
    static let version: UInt16 = 1
    static let fileHeaderSize = 16
    static let frameHeaderSize = 12
    static let snapshotFlag: UInt16 = 1

    enum Kind: UInt8 {
        case snapshot = 1
        case records = 2
    }

    /// Damage found while scanning: where, why, and the next valid frame (nil: torn tail).
    struct Damage: Equatable {
        var offset: Int
        var reason: String
        var nextValidOffset: Int?
        /// The damaged tail is longer than any single write, so it cannot all be a torn write.
        var exceedsOneWrite = false
    }

    /// The result of scanning a whole log file.
    struct Scan {
        var state = RecoveredState()
        /// The end of the last intact frame: where the next frame goes.
        var validEnd = LogFormat.fileHeaderSize
        /// The offset just past the header and snapshot frame (where records frames start).
        var recordsStart = LogFormat.fileHeaderSize
        var damage: Damage?
    }

    static func fileHeader(hasSnapshot: Bool) -> [UInt8] {
        var bytes = magic
        appendLE(version, to: &bytes)
        appendLE(hasSnapshot ? snapshotFlag : 0, to: &bytes)
        appendLE(CRC32C.checksum(bytes), to: &bytes)
        return bytes
    }

    /// Appends one frame whose body is `kind` followed by `payload` chunks.
    static func appendFrame(kind: Kind, payload: [[UInt8]], to bytes: inout [UInt8]) {
        let start = bytes.count
        let bodyLength = 1 + payload.reduce(0) { $0 + $1.count }
        appendLE(UInt32(truncatingIfNeeded: bodyLength), to: &bytes)
        appendLE(UInt32(0), to: &bytes)
        appendLE(UInt32(0), to: &bytes)
        bytes.append(kind.rawValue)
        for chunk in payload { bytes.append(contentsOf: chunk) }
        let bodyCRC = CRC32C.checksum(bytes[(start + frameHeaderSize)...])
        store(bodyCRC, at: start + 4, in: &bytes)
        store(CRC32C.checksum(bytes[start..<(start + 8)]), at: start + 8, in: &bytes)
    }

    /// The records section of a batch (`count u32` excluded): `(length u32 | bytes)*`.
    static func encodeRecords(_ records: [[UInt8]]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(records.reduce(0) { $0 + 4 + $1.count })
        for record in records {
            appendLE(UInt32(truncatingIfNeeded: record.count), to: &bytes)
            bytes.append(contentsOf: record)
        }
        return bytes
    }

    /// Body bytes of a records frame holding `count` records whose encoded sections total `sectionBytes`.
    static func recordsBodySize(sectionBytes: Int) -> Int { 1 + 4 + sectionBytes }

    /// Parses the header and every frame of `bytes`. Throws for anything that is neither intact nor a
    /// torn tail (unless `tolerateCorruption`, which reports it as ``Scan/damage`` instead).
    static func scan(_ bytes: [UInt8], path: String, maximumEntryBytes: Int, tolerateCorruption: Bool) throws -> Scan {
        let hasSnapshot = try parseHeader(bytes, path: path)
        var scan = Scan()
        var offset = fileHeaderSize
        while offset < bytes.count {
            switch checkFrame(bytes, at: offset, maximumEntryBytes: maximumEntryBytes) {
            case let .valid(bodyLength):
                let bodyStart = offset + frameHeaderSize
                try decodeBody(bytes[bodyStart..<(bodyStart + bodyLength)], at: offset, isFirst: offset == fileHeaderSize,
                               hasSnapshot: hasSnapshot, path: path, into: &scan.state)
                offset = bodyStart + bodyLength
                scan.validEnd = offset
                if hasSnapshot, scan.recordsStart == fileHeaderSize { scan.recordsStart = offset }
            case let .invalid(problem):
                let reason = problem.description
                if hasSnapshot, offset == fileHeaderSize {
                    throw StorageError.corruptSnapshot(path: path, offset: offset, reason: reason)
                }
                let next = nextValidFrame(bytes, after: offset, maximumEntryBytes: maximumEntryBytes)
                // One write is one frame, so a torn write leaves at most one frame's worth of bytes.
                let maximumTorn = frameHeaderSize + maximumEntryBytes
                let exceedsOneWrite = bytes.count - offset > maximumTorn
                if !tolerateCorruption {
                    if let next {
                        throw StorageError.corruptEntry(path: path, offset: offset, reason: reason, nextValidOffset: next)
                    }
                    if exceedsOneWrite {
                        throw StorageError.corruptTail(path: path, offset: offset, reason: reason,
                                                       bytes: bytes.count - offset, maximumTornBytes: maximumTorn)
                    }
                }
                scan.damage = Damage(offset: offset, reason: reason, nextValidOffset: next, exceedsOneWrite: exceedsOneWrite)
                return scan
            }
        }
        if hasSnapshot, scan.state.snapshot == nil {
            throw StorageError.corruptSnapshot(path: path, offset: fileHeaderSize, reason: "the header announces a snapshot but the file ends before it")
        }
        return scan
    }

    /// Validates the file header; returns whether the first frame is a snapshot.
    static func parseHeader(_ bytes: [UInt8], path: String) throws -> Bool {
        guard bytes.count >= fileHeaderSize else {
            throw StorageError.truncatedFileHeader(path: path, size: bytes.count, expected: fileHeaderSize)
        }
        guard Array(bytes[0..<8]) == magic else {
            throw StorageError.badMagic(path: path, found: Array(bytes[0..<8]), expected: magic)
        }
        let stored = loadLE(UInt32.self, bytes, at: 12)
        let computed = CRC32C.checksum(bytes[0..<12])
        guard stored == computed else {
            throw StorageError.fileHeaderChecksumMismatch(path: path, stored: stored, computed: computed)
        }
        let found = loadLE(UInt16.self, bytes, at: 8)
        guard found == version else {
            throw StorageError.unsupportedVersion(path: path, found: Int(found), supported: Int(version))
        }
        return loadLE(UInt16.self, bytes, at: 10) & snapshotFlag != 0
    }

    enum FrameCheck: Equatable {
        case valid(bodyLength: Int)
        case invalid(FrameProblem)
    }

    /// Why a frame is not intact (formatted only when reported, so scanning for the next frame is cheap).
    enum FrameProblem: Equatable, CustomStringConvertible {
        case partialHeader(remaining: Int)
        case headerChecksum(stored: UInt32, computed: UInt32)
        case badLength(Int, maximum: Int)
        case partialBody(expected: Int, remaining: Int)
        case bodyChecksum(stored: UInt32, computed: UInt32)

        var description: String {
            switch self {
            case let .partialHeader(remaining):
                return "partial frame header: expected \(LogFormat.frameHeaderSize) bytes, \(remaining) remain"
            case let .headerChecksum(stored, computed):
                return "frame header checksum mismatch: stored 0x\(String(stored, radix: 16)), computed 0x\(String(computed, radix: 16))"
            case let .badLength(length, maximum):
                return "frame length \(length) outside 1...\(maximum)"
            case let .partialBody(expected, remaining):
                return "partial frame body: expected \(expected) bytes, \(remaining) remain"
            case let .bodyChecksum(stored, computed):
                return "body checksum mismatch: stored 0x\(String(stored, radix: 16)), computed 0x\(String(computed, radix: 16))"
            }
        }
    }

    static func checkFrame(_ bytes: [UInt8], at offset: Int, maximumEntryBytes: Int) -> FrameCheck {
        let remaining = bytes.count - offset
        guard remaining >= frameHeaderSize else {
            return .invalid(.partialHeader(remaining: remaining))
        }
        let storedHeaderCRC = loadLE(UInt32.self, bytes, at: offset + 8)
        let headerCRC = CRC32C.checksum(bytes[offset..<(offset + 8)])
        guard storedHeaderCRC == headerCRC else {
            return .invalid(.headerChecksum(stored: storedHeaderCRC, computed: headerCRC))
        }
        let length = Int(loadLE(UInt32.self, bytes, at: offset))
        guard length >= 1, length <= maximumEntryBytes else {
            return .invalid(.badLength(length, maximum: maximumEntryBytes))
        }
        guard length <= remaining - frameHeaderSize else {
            return .invalid(.partialBody(expected: length, remaining: remaining - frameHeaderSize))
        }
        let bodyStart = offset + frameHeaderSize
        let storedBodyCRC = loadLE(UInt32.self, bytes, at: offset + 4)
        let bodyCRC = CRC32C.checksum(bytes[bodyStart..<(bodyStart + length)])
        guard storedBodyCRC == bodyCRC else {
            return .invalid(.bodyChecksum(stored: storedBodyCRC, computed: bodyCRC))
        }
        return .valid(bodyLength: length)
    }

    /// The first offset after `offset` where an intact frame starts, if any.
    static func nextValidFrame(_ bytes: [UInt8], after offset: Int, maximumEntryBytes: Int) -> Int? {
        var candidate = offset + 1
        while candidate + frameHeaderSize <= bytes.count {
            if case .valid = checkFrame(bytes, at: candidate, maximumEntryBytes: maximumEntryBytes) {
                return candidate
            }
            candidate += 1
        }
        return nil
    }

    static func decodeBody(_ body: ArraySlice<UInt8>, at offset: Int, isFirst: Bool, hasSnapshot: Bool,
                           path: String, into state: inout RecoveredState) throws {
        let kindByte = body[body.startIndex]
        switch Kind(rawValue: kindByte) {
        case .snapshot:
            guard isFirst, hasSnapshot else {
                throw StorageError.malformedEntry(path: path, offset: offset, reason: "snapshot entry where a records entry was expected (snapshots are only the first entry of a file flagged as compacted)")
            }
            state.snapshot = Array(body.dropFirst())
        case .records:
            guard !(isFirst && hasSnapshot) else {
                throw StorageError.malformedEntry(path: path, offset: offset, reason: "records entry where the header announces a snapshot")
            }
            try decodeRecords(body.dropFirst(), at: offset, path: path, into: &state.records)
        case nil:
            throw StorageError.malformedEntry(path: path, offset: offset, reason: "unknown entry kind \(kindByte): expected 1 (snapshot) or 2 (records)")
        }
    }

    static func decodeRecords(_ payload: ArraySlice<UInt8>, at offset: Int, path: String, into records: inout [[UInt8]]) throws {
        guard payload.count >= 4 else {
            throw StorageError.malformedEntry(path: path, offset: offset, reason: "records entry too short for its count: expected 4 bytes, found \(payload.count)")
        }
        let count = Int(loadLE(UInt32.self, payload, at: payload.startIndex))
        var cursor = payload.startIndex + 4
        guard count <= (payload.endIndex - cursor) / 4 else {
            throw StorageError.malformedEntry(path: path, offset: offset, reason: "record count \(count) cannot fit in \(payload.endIndex - cursor) bytes")
        }
        for index in 0..<count {
            guard payload.endIndex - cursor >= 4 else {
                throw StorageError.malformedEntry(path: path, offset: offset, reason: "record \(index) of \(count): length field truncated")
            }
            let length = Int(loadLE(UInt32.self, payload, at: cursor))
            cursor += 4
            guard length <= payload.endIndex - cursor else {
                throw StorageError.malformedEntry(path: path, offset: offset, reason: "record \(index) of \(count): length \(length) exceeds the \(payload.endIndex - cursor) remaining bytes")
            }
            records.append(Array(payload[cursor..<(cursor + length)]))
            cursor += length
        }
        guard cursor == payload.endIndex else {
            throw StorageError.malformedEntry(path: path, offset: offset, reason: "\(payload.endIndex - cursor) trailing bytes after \(count) records")
        }
    }

    static func appendLE<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        var remaining = value.littleEndian
        withUnsafeBytes(of: &remaining) { bytes.append(contentsOf: $0) }
    }

    static func store(_ value: UInt32, at offset: Int, in bytes: inout [UInt8]) {
        for index in 0..<4 { bytes[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * index)) }
    }

    /// Reads a little-endian integer; the caller guarantees `offset + size` is in bounds.
    static func loadLE<T: FixedWidthInteger, C: Collection<UInt8>>(_: T.Type, _ bytes: C, at offset: C.Index) -> T where C.Index == Int {
        var value: T = 0
        for index in 0..<(T.bitWidth / 8) { value |= T(bytes[offset + index]) << (8 * index) }
        return value
    }
}
