/// The one-byte tags that start every encoded value. `0x00` is deliberately not a tag, so zeroed
/// buffers are rejected immediately.
@usableFromInline
enum WireTag {
    /// `nil` (no payload).
    @usableFromInline static let null: UInt8 = 0x01
    /// `false` (no payload).
    @usableFromInline static let bool0: UInt8 = 0x02
    /// `true` (no payload).
    @usableFromInline static let bool1: UInt8 = 0x03
    /// Signed integer: zigzag LEB128 varint.
    @usableFromInline static let signed: UInt8 = 0x04
    /// Unsigned integer: LEB128 varint.
    @usableFromInline static let unsigned: UInt8 = 0x05
    /// `Double`: 8-byte little-endian IEEE 754 bit pattern.
    @usableFromInline static let float64: UInt8 = 0x06
    /// `Float`: 4-byte little-endian IEEE 754 bit pattern.
    @usableFromInline static let float32: UInt8 = 0x07
    /// String: varuint byte length + UTF-8.
    @usableFromInline static let string: UInt8 = 0x08
    /// Byte string (`[UInt8]`, `Data`): varuint length + raw bytes.
    @usableFromInline static let bytes: UInt8 = 0x09
    /// Unkeyed container: varuint count + that many values.
    @usableFromInline static let unkeyed: UInt8 = 0x0A
    /// Keyed container: varuint count + that many (key string, value) pairs.
    @usableFromInline static let keyed: UInt8 = 0x0B

    /// A short human-readable name for a tag, used in ``WireError/typeMismatch(expected:found:offset:)``.
    static func name(_ tag: UInt8) -> String {
        switch tag {
        case null: return "nil"
        case bool0, bool1: return "bool"
        case signed: return "signed integer"
        case unsigned: return "unsigned integer"
        case float64: return "float64"
        case float32: return "float32"
        case string: return "string"
        case bytes: return "bytes"
        case unkeyed: return "unkeyed container"
        case keyed: return "keyed container"
        default: return "invalid tag 0x\(String(tag, radix: 16))"
        }
    }
}
