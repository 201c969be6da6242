#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension EncoderState {
    // MARK: - Scalars

    @inline(__always) func writeNil() { writer.writeByte(WireTag.null) }

    @inline(__always) func writeBool(_ value: Bool) {
        writer.writeByte(value ? WireTag.bool1 : WireTag.bool0)
    }

    @inline(__always) func writeSigned(_ value: Int64) {
        writer.writeByte(WireTag.signed)
        writer.writeVarInt(value)
    }

    @inline(__always) func writeUnsigned(_ value: UInt64) {
        writer.writeByte(WireTag.unsigned)
        writer.writeVarUInt(value)
    }

    @inline(__always) func writeDouble(_ value: Double) {
        writer.writeByte(WireTag.float64)
        writer.writeUInt64LE(value.bitPattern)
    }

    @inline(__always) func writeFloat(_ value: Float) {
        writer.writeByte(WireTag.float32)
        writer.writeUInt32LE(value.bitPattern)
    }

    @inline(__always) func writeString(_ value: String) {
        writer.writeByte(WireTag.string)
        writer.writeString(value)
    }

    @inline(__always) func writeBytes(_ value: [UInt8]) {
        writer.writeByte(WireTag.bytes)
        writer.writeLengthPrefixed(value)
    }

    func writeData(_ value: Data) {
        writer.writeByte(WireTag.bytes)
        writer.writeVarUInt(UInt64(value.count))
        value.withUnsafeBytes { writer.writeRaw($0) }
    }

    /// Writes a `[String: String]` as a keyed container of strings, in the dictionary's iteration
    /// order (like `Dictionary`'s own `Encodable` conformance).
    func writeStringDictionary(_ value: [String: String]) {
        writer.writeByte(WireTag.keyed)
        writer.writeVarUInt(UInt64(value.count))
        for (key, string) in value {
            writer.writeString(key)
            writeString(string)
        }
    }

    /// Writes an empty keyed container: the value of a slot whose encoder wrote nothing.
    @inline(__always) func writeEmptyKeyed() {
        writer.writeByte(WireTag.keyed)
        writer.writeByte(0)
    }

    // MARK: - Values

    /// Writes a value already classified as primitive `kind` (`T` is exactly that type).
    @inline(__always)
    func writePrimitive<T>(_ kind: PrimitiveKind, _ value: T) {
        switch kind {
        case .string: writeString(identityCast(value, to: String.self))
        case .int: writeSigned(Int64(identityCast(value, to: Int.self)))
        case .uint64: writeUnsigned(identityCast(value, to: UInt64.self))
        case .bytes: writeBytes(identityCast(value, to: [UInt8].self))
        case .bool: writeBool(identityCast(value, to: Bool.self))
        case .double: writeDouble(identityCast(value, to: Double.self))
        case .data: writeData(identityCast(value, to: Data.self))
        case .int64: writeSigned(identityCast(value, to: Int64.self))
        case .uint: writeUnsigned(UInt64(identityCast(value, to: UInt.self)))
        case .int32: writeSigned(Int64(identityCast(value, to: Int32.self)))
        case .uint32: writeUnsigned(UInt64(identityCast(value, to: UInt32.self)))
        case .float: writeFloat(identityCast(value, to: Float.self))
        case .uint8: writeUnsigned(UInt64(identityCast(value, to: UInt8.self)))
        case .int16: writeSigned(Int64(identityCast(value, to: Int16.self)))
        case .uint16: writeUnsigned(UInt64(identityCast(value, to: UInt16.self)))
        case .int8: writeSigned(Int64(identityCast(value, to: Int8.self)))
        case .stringDictionary: writeStringDictionary(identityCast(value, to: [String: String].self))
        case .none: break
        }
    }

    /// Encodes one value into the current slot (the end of the buffer), without a coding key.
    func encodeValue<T: Encodable>(_ value: T) throws {
        let kind = PrimitiveKind.of(T.self)
        if kind != .none {
            writePrimitive(kind, value)
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
