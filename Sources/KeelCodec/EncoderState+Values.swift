#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The wire format's tagged scalars, strings and byte strings, written straight into a buffer:
/// ``EncoderState`` writes them for its containers, and ``BinaryEncoder`` alone for a message that is
/// a single primitive value (no containers, so no per-call state object).
extension ByteWriter {
    @inline(__always) mutating func writeTaggedNil() { writeByte(WireTag.null) }

    @inline(__always) mutating func writeTaggedBool(_ value: Bool) {
        writeByte(value ? WireTag.bool1 : WireTag.bool0)
    }

    @inline(__always) mutating func writeTaggedSigned(_ value: Int64) {
        writeByte(WireTag.signed)
        writeVarInt(value)
    }

    @inline(__always) mutating func writeTaggedUnsigned(_ value: UInt64) {
        writeByte(WireTag.unsigned)
        writeVarUInt(value)
    }

    @inline(__always) mutating func writeTaggedDouble(_ value: Double) {
        writeByte(WireTag.float64)
        writeUInt64LE(value.bitPattern)
    }

    @inline(__always) mutating func writeTaggedFloat(_ value: Float) {
        writeByte(WireTag.float32)
        writeUInt32LE(value.bitPattern)
    }

    @inline(__always) mutating func writeTaggedString(_ value: String) {
        writeByte(WireTag.string)
        writeString(value)
    }

    @inline(__always) mutating func writeTaggedBytes(_ value: [UInt8]) {
        writeByte(WireTag.bytes)
        writeLengthPrefixed(value)
    }

    mutating func writeTaggedData(_ value: Data) {
        writeByte(WireTag.bytes)
        writeVarUInt(UInt64(value.count))
        value.withUnsafeBytes { writeRaw($0) }
    }

    /// Writes a `[String: String]` as a keyed container of strings, in the dictionary's iteration
    /// order (like `Dictionary`'s own `Encodable` conformance).
    mutating func writeStringDictionary(_ value: [String: String]) {
        writeByte(WireTag.keyed)
        writeVarUInt(UInt64(value.count))
        for (key, string) in value {
            writeString(key)
            writeTaggedString(string)
        }
    }

    /// Writes a value already classified as primitive `kind` (`T` is exactly that type).
    @inline(__always)
    mutating func writePrimitive<T>(_ kind: PrimitiveKind, _ value: T) {
        switch kind {
        case .string: writeTaggedString(identityCast(value, to: String.self))
        case .int: writeTaggedSigned(Int64(identityCast(value, to: Int.self)))
        case .uint64: writeTaggedUnsigned(identityCast(value, to: UInt64.self))
        case .bytes: writeTaggedBytes(identityCast(value, to: [UInt8].self))
        case .bool: writeTaggedBool(identityCast(value, to: Bool.self))
        case .double: writeTaggedDouble(identityCast(value, to: Double.self))
        case .data: writeTaggedData(identityCast(value, to: Data.self))
        case .int64: writeTaggedSigned(identityCast(value, to: Int64.self))
        case .uint: writeTaggedUnsigned(UInt64(identityCast(value, to: UInt.self)))
        case .int32: writeTaggedSigned(Int64(identityCast(value, to: Int32.self)))
        case .uint32: writeTaggedUnsigned(UInt64(identityCast(value, to: UInt32.self)))
        case .float: writeTaggedFloat(identityCast(value, to: Float.self))
        case .uint8: writeTaggedUnsigned(UInt64(identityCast(value, to: UInt8.self)))
        case .int16: writeTaggedSigned(Int64(identityCast(value, to: Int16.self)))
        case .uint16: writeTaggedUnsigned(UInt64(identityCast(value, to: UInt16.self)))
        case .int8: writeTaggedSigned(Int64(identityCast(value, to: Int8.self)))
        case .stringDictionary: writeStringDictionary(identityCast(value, to: [String: String].self))
        case .none: break
        }
    }
}

extension EncoderState {
    /// Writes an empty keyed container: the value of a slot whose encoder wrote nothing.
    @inline(__always) func writeEmptyKeyed() {
        writer.writeByte(WireTag.keyed)
        writer.writeByte(0)
    }

    // MARK: - Values

    /// Encodes one value into the current slot (the end of the buffer), without a coding key.
    func encodeValue<T: Encodable>(_ value: T) throws {
        let kind = PrimitiveKind.of(T.self)
        if kind != .none {
            writer.writePrimitive(kind, value)
        } else {
            try encodeComposite(value, pathBase: codingPath.count)
        }
    }

    /// Runs `value.encode(to:)` with a fresh encoder for the slot at the end of the buffer.
    ///
    /// When it returns, every container it opened is closed, a value that wrote nothing becomes an
    /// empty keyed container, and the coding path is cut back to `pathBase`.
    func encodeComposite<T: Encodable>(_ value: T, pathBase: Int) throws {
        let level = openCount
        let start = writer.count
        let encoder = SlotEncoder(state: self, slotStart: start, level: level, pathLength: codingPath.count)
        try value.encode(to: encoder)
        closeFrames(downTo: level)
        if writer.count == start {
            writeEmptyKeyed()
        }
        truncatePath(pathBase)
    }
}
