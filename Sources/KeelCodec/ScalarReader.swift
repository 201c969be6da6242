#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Reads the wire format's scalars, strings and byte strings from one message.
///
/// A view of the message and its limits, free to make: ``DecoderState`` hands one to its
/// containers (``DecoderState/scalars``), and ``BinaryDecoder`` uses one on its own for a message
/// that is a single primitive value — no containers, coding path or user info, so no per-call
/// state object either (making that object cost more than decoding a small message).
struct ScalarReader {
    /// The message. Index 0 is the first byte, so indices are the offsets reported in errors.
    let buffer: UnsafeBufferPointer<UInt8>
    /// Limits applied to the message.
    let limits: CodecLimits

    /// The tag byte at `pos`.
    @inline(__always)
    func tag(at pos: Int) throws(WireError) -> UInt8 {
        guard pos >= 0, pos < buffer.count else {
            throw WireError.truncated(needed: 1, available: 0, offset: pos)
        }
        return buffer[pos]
    }

    /// The error for finding `tag` at `offset` where a value described by `expected` was required.
    func mismatch(_ expected: String, tag: UInt8, at offset: Int) -> WireError {
        if tag == 0 || tag > WireTag.keyed {
            return WireError.invalidTag(tag, offset: offset)
        }
        return WireError.typeMismatch(expected: expected, found: WireTag.name(tag), offset: offset)
    }

    /// Whether the value at `pos` is `nil`.
    @inline(__always)
    func isNil(at pos: Int) throws(WireError) -> Bool {
        try tag(at: pos) == WireTag.null
    }

    /// Reads a `nil` value, returning whether there was one.
    @inline(__always)
    func readNil(at pos: inout Int) throws(WireError) -> Bool {
        guard try isNil(at: pos) else { return false }
        pos &+= 1
        return true
    }

    func readBool(at pos: inout Int) throws(WireError) -> Bool {
        let tag = try tag(at: pos)
        switch tag {
        case WireTag.bool0: pos &+= 1; return false
        case WireTag.bool1: pos &+= 1; return true
        default: throw mismatch("Bool", tag: tag, at: pos)
        }
    }

    /// Reads a signed or unsigned varint and checks that it fits in `T`.
    @inline(__always)
    func readInteger<T: FixedWidthInteger>(_: T.Type, at pos: inout Int) throws(WireError) -> T {
        let tag = try tag(at: pos)
        var cursor = pos &+ 1
        if tag == WireTag.signed {
            let value = try WireScan.varInt(buffer, &cursor)
            guard let result = T(exactly: value) else { throw outOfRange(value, T.self, at: pos) }
            pos = cursor
            return result
        }
        if tag == WireTag.unsigned {
            let value = try WireScan.varUInt(buffer, &cursor)
            guard let result = T(exactly: value) else { throw outOfRange(value, T.self, at: pos) }
            pos = cursor
            return result
        }
        throw mismatch("\(T.self)", tag: tag, at: pos)
    }

    /// The error for an integer that does not fit in `type`.
    func outOfRange(_ value: some BinaryInteger, _ type: Any.Type, at offset: Int) -> WireError {
        WireError.valueOutOfRange("\(value) at offset \(offset) does not fit in \(type)")
    }

    func readDouble(at pos: inout Int) throws(WireError) -> Double {
        let tag = try tag(at: pos)
        var cursor = pos &+ 1
        switch tag {
        case WireTag.float64:
            let bits = try WireScan.littleEndian(buffer, &cursor, as: UInt64.self)
            pos = cursor
            return Double(bitPattern: bits)
        case WireTag.float32:
            let bits = try WireScan.littleEndian(buffer, &cursor, as: UInt32.self)
            pos = cursor
            return Double(Float(bitPattern: bits))
        default:
            throw mismatch("Double", tag: tag, at: pos)
        }
    }

    /// Reads a `Float`; a float64 value is accepted only if it converts exactly (or is NaN).
    func readFloat(at pos: inout Int) throws(WireError) -> Float {
        let tag = try tag(at: pos)
        var cursor = pos &+ 1
        switch tag {
        case WireTag.float32:
            let bits = try WireScan.littleEndian(buffer, &cursor, as: UInt32.self)
            pos = cursor
            return Float(bitPattern: bits)
        case WireTag.float64:
            let value = Double(bitPattern: try WireScan.littleEndian(buffer, &cursor, as: UInt64.self))
            let result: Float
            if value.isNaN {
                result = Float.nan
            } else if let exact = Float(exactly: value) {
                result = exact
            } else {
                throw WireError.valueOutOfRange("\(value) at offset \(pos) is not exactly representable as Float")
            }
            pos = cursor
            return result
        default:
            throw mismatch("Float", tag: tag, at: pos)
        }
    }

    func readString(at pos: inout Int) throws(WireError) -> String {
        let tag = try tag(at: pos)
        guard tag == WireTag.string else { throw mismatch("String", tag: tag, at: pos) }
        var cursor = pos &+ 1
        let lengthOffset = cursor
        let length = try WireScan.length(buffer, &cursor)
        guard length <= limits.maxStringLength else {
            throw WireError.limitExceeded(
                "string length \(length) at offset \(lengthOffset) exceeds the limit \(limits.maxStringLength)")
        }
        let string = try WireScan.string(buffer, cursor..<(cursor &+ length))
        pos = cursor &+ length
        return string
    }

    /// Reads a byte string and returns the range of its payload within `buffer`.
    func readBytesRange(at pos: inout Int, expected: String) throws(WireError) -> Range<Int> {
        let tag = try tag(at: pos)
        guard tag == WireTag.bytes else { throw mismatch(expected, tag: tag, at: pos) }
        var cursor = pos &+ 1
        let length = try WireScan.length(buffer, &cursor)
        pos = cursor &+ length
        return cursor..<pos
    }

    func readByteArray(at pos: inout Int) throws(WireError) -> [UInt8] {
        let range = try readBytesRange(at: &pos, expected: "[UInt8]")
        return Array(UnsafeBufferPointer(rebasing: buffer[range]))
    }

    func readData(at pos: inout Int) throws(WireError) -> Data {
        let range = try readBytesRange(at: &pos, expected: "Data")
        return Data(buffer: UnsafeBufferPointer(rebasing: buffer[range]))
    }

    /// Reads a value already classified as primitive `kind` (`T` is exactly that type).
    @inline(__always)
    ///
    /// `depth` is the number of containers enclosing the value (for the nesting limit).
    func readPrimitive<T>(_ kind: PrimitiveKind, as _: T.Type, at pos: inout Int, depth: Int) throws(WireError) -> T {
        switch kind {
        case .string: return identityCast(try readString(at: &pos), to: T.self)
        case .int: return identityCast(try readInteger(Int.self, at: &pos), to: T.self)
        case .uint64: return identityCast(try readInteger(UInt64.self, at: &pos), to: T.self)
        case .bytes: return identityCast(try readByteArray(at: &pos), to: T.self)
        case .bool: return identityCast(try readBool(at: &pos), to: T.self)
        case .double: return identityCast(try readDouble(at: &pos), to: T.self)
        case .data: return identityCast(try readData(at: &pos), to: T.self)
        case .int64: return identityCast(try readInteger(Int64.self, at: &pos), to: T.self)
        case .uint: return identityCast(try readInteger(UInt.self, at: &pos), to: T.self)
        case .int32: return identityCast(try readInteger(Int32.self, at: &pos), to: T.self)
        case .uint32: return identityCast(try readInteger(UInt32.self, at: &pos), to: T.self)
        case .float: return identityCast(try readFloat(at: &pos), to: T.self)
        case .uint8: return identityCast(try readInteger(UInt8.self, at: &pos), to: T.self)
        case .int16: return identityCast(try readInteger(Int16.self, at: &pos), to: T.self)
        case .uint16: return identityCast(try readInteger(UInt16.self, at: &pos), to: T.self)
        case .int8: return identityCast(try readInteger(Int8.self, at: &pos), to: T.self)
        case .stringDictionary: return identityCast(try readStringDictionary(at: &pos, depth: depth), to: T.self)
        case .none: throw WireError.typeMismatch(expected: "\(T.self)", found: "no primitive", offset: pos)
        }
    }

    /// Reads a keyed container whose values are all strings into a `[String: String]`.
    func readStringDictionary(at pos: inout Int, depth: Int) throws(WireError) -> [String: String] {
        let tag = try tag(at: pos)
        guard tag == WireTag.keyed else { throw mismatch("[String: String]", tag: tag, at: pos) }
        var cursor = pos &+ 1
        let count = try WireScan.containerCount(buffer, &cursor, keyed: true, nesting: depth &+ 1, limits: limits)
        guard count > 0 else {
            pos = cursor
            return [:]
        }
        var result = [String: String](minimumCapacity: min(count, 1024))
        for _ in 0..<count {
            let lengthOffset = cursor
            let keyLength = try WireScan.length(buffer, &cursor)
            let keyOffset = cursor
            guard keyLength <= limits.maxStringLength else {
                throw WireError.limitExceeded(
                    "key length \(keyLength) at offset \(lengthOffset) exceeds the limit \(limits.maxStringLength)")
            }
            let key = try WireScan.string(buffer, cursor..<(cursor &+ keyLength))
            cursor &+= keyLength
            let value = try readString(at: &cursor)
            if result.updateValue(value, forKey: key) != nil {
                throw WireError.duplicateKey(key, offset: keyOffset)
            }
        }
        pos = cursor
        return result
    }
}
