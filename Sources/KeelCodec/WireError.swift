/// An error thrown when bytes on the wire are malformed, truncated, or exceed a configured limit.
///
/// Every case that concerns a particular position carries the byte `offset` at which the problem
/// was detected, relative to the first byte handed to the ``ByteReader`` or ``BinaryDecoder``.
public enum WireError: Error, Sendable, Equatable, Codable, CustomStringConvertible {
    /// `needed` more bytes were required at `offset`, but only `available` remained.
    case truncated(needed: Int, available: Int, offset: Int)
    /// The variable-length integer starting at `offset` is longer than 10 bytes, overflows 64 bits,
    /// or is not minimally encoded.
    case malformedVarint(offset: Int)
    /// A length or element count read at `offset` claims more than the `remaining` bytes can hold.
    case lengthExceedsRemaining(length: UInt64, remaining: Int, offset: Int)
    /// The string (or key) whose bytes start at `offset` is not valid UTF-8.
    case invalidUTF8(offset: Int)
    /// A configured ``CodecLimits`` value (or a caller-supplied maximum) was exceeded.
    case limitExceeded(String)
    /// The value at `offset` has the wire type `found` but `expected` was required.
    case typeMismatch(expected: String, found: String, offset: Int)
    /// The byte at `offset` is not a known value tag.
    case invalidTag(UInt8, offset: Int)
    /// A keyed container has no entry for the key (reported with its dotted coding path).
    case missingKey(String)
    /// A decoded number does not fit into the requested type.
    case valueOutOfRange(String)
    /// The same key appears twice in the keyed container entry at `offset`.
    case duplicateKey(String, offset: Int)
    /// `count` unread bytes follow the top-level value, starting at `offset`.
    case trailingBytes(count: Int, offset: Int)

    /// A human-readable description of the error, including the byte offset where known.
    public var description: String {
        switch self {
        case let .truncated(needed, available, offset):
            return "truncated input at offset \(offset): needed \(needed) byte(s), \(available) available"
        case let .malformedVarint(offset):
            return "malformed varint at offset \(offset) (overlong, overflowing, or not minimal)"
        case let .lengthExceedsRemaining(length, remaining, offset):
            return "length \(length) at offset \(offset) exceeds the \(remaining) remaining byte(s)"
        case let .invalidUTF8(offset):
            return "invalid UTF-8 in string at offset \(offset)"
        case let .limitExceeded(message):
            return "limit exceeded: \(message)"
        case let .typeMismatch(expected, found, offset):
            return "type mismatch at offset \(offset): expected \(expected), found \(found)"
        case let .invalidTag(tag, offset):
            return "invalid value tag 0x\(String(tag, radix: 16)) at offset \(offset)"
        case let .missingKey(key):
            return "missing key \"\(key)\""
        case let .valueOutOfRange(message):
            return "value out of range: \(message)"
        case let .duplicateKey(key, offset):
            return "duplicate key \"\(key)\" at offset \(offset)"
        case let .trailingBytes(count, offset):
            return "\(count) trailing byte(s) after the value at offset \(offset)"
        }
    }
}
