import Glibc

/// An error from a ``StateStore``. Every case about a file names its path and, where it applies,
/// the byte offset and what was expected there.
public enum StorageError: Error, Sendable, Equatable, Codable, CustomStringConvertible {
    /// Another process (or another store in this process) holds the directory's lock file.
    case locked(path: String, holder: String)
    /// A system call failed with `errno`.
    case system(operation: String, path: String, errno: Int32)
    /// The file is shorter than its fixed-size header.
    case truncatedFileHeader(path: String, size: Int, expected: Int)
    /// The file does not start with the store's magic bytes.
    case badMagic(path: String, found: [UInt8], expected: [UInt8])
    /// The file's format version is not one this build reads.
    case unsupportedVersion(path: String, found: Int, supported: Int)
    /// The file header's checksum does not match its contents.
    case fileHeaderChecksumMismatch(path: String, stored: UInt32, computed: UInt32)
    /// An entry in the middle of the log is damaged while a valid entry follows it at
    /// `nextValidOffset`: acknowledged data would be lost by truncating, so the store refuses to open.
    case corruptEntry(path: String, offset: Int, reason: String, nextValidOffset: Int)
    /// The log is damaged from `offset` to its end, over more `bytes` than one write can leave
    /// torn (`maximumTornBytes`): acknowledged entries are damaged, so the store refuses to open.
    case corruptTail(path: String, offset: Int, reason: String, bytes: Int, maximumTornBytes: Int)
    /// The snapshot entry (written atomically, so never torn) is damaged or missing.
    case corruptSnapshot(path: String, offset: Int, reason: String)
    /// An entry's checksums are valid but its contents do not follow the format.
    case malformedEntry(path: String, offset: Int, reason: String)
    /// A batch or snapshot exceeds ``FileStateStore/Configuration/maximumEntryBytes``.
    case entryTooLarge(bytes: Int, limit: Int)
    /// The store was closed.
    case closed
    /// An earlier write or `fsync` failed, so the store no longer knows what is durable; reopen it.
    case failed(reason: String)

    /// A human-readable description naming the file, offset and expectation where known.
    public var description: String {
        switch self {
        case let .locked(path, holder):
            return "\(path): locked by another store (\(holder)); two masters cannot share a storage directory"
        case let .system(operation, path, code):
            return "\(path): \(operation) failed: \(String(cString: strerror(code))) (errno \(code))"
        case let .truncatedFileHeader(path, size, expected):
            return "\(path): file is \(size) byte(s), shorter than its \(expected)-byte header"
        case let .badMagic(path, found, expected):
            return "\(path): bad magic at offset 0: expected \(Self.hex(expected)), found \(Self.hex(found))"
        case let .unsupportedVersion(path, found, supported):
            return "\(path): unsupported format version \(found) at offset 8 (this build reads version \(supported))"
        case let .fileHeaderChecksumMismatch(path, stored, computed):
            return "\(path): file header checksum mismatch at offset 12: stored 0x\(String(stored, radix: 16)), computed 0x\(String(computed, radix: 16))"
        case let .corruptEntry(path, offset, reason, next):
            return "\(path): corrupt entry at byte offset \(offset): \(reason); a valid entry follows at offset \(next), so this is not a torn tail (refusing to drop acknowledged data)"
        case let .corruptTail(path, offset, reason, bytes, maximumTorn):
            return "\(path): corrupt entry at byte offset \(offset): \(reason); the \(bytes) damaged bytes up to the end exceed the \(maximumTorn) one torn write can leave, so acknowledged entries are damaged"
        case let .corruptSnapshot(path, offset, reason):
            return "\(path): corrupt snapshot entry at byte offset \(offset): \(reason)"
        case let .malformedEntry(path, offset, reason):
            return "\(path): malformed entry at byte offset \(offset): \(reason)"
        case let .entryTooLarge(bytes, limit):
            return "entry of \(bytes) bytes exceeds the maximum entry size of \(limit) bytes"
        case .closed:
            return "the state store is closed"
        case let .failed(reason):
            return "the state store failed earlier and must be reopened: \(reason)"
        }
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined()
    }
}
