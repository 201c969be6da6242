/// A container that writes one primitive at a time: single-value and unkeyed encoders share their
/// primitive `encode` overloads through this protocol instead of repeating them.
protocol PrimitiveSink {
    /// The shared encoder state the values are written to.
    var state: EncoderState { get }
    /// Checks the container may take another value (and opens its slot).
    func begin() throws
}

extension PrimitiveSink {
    mutating func encodeNil() throws { try begin(); state.writer.writeTaggedNil() }
    mutating func encode(_ value: Bool) throws { try begin(); state.writer.writeTaggedBool(value) }
    mutating func encode(_ value: String) throws { try begin(); state.writer.writeTaggedString(value) }
    mutating func encode(_ value: Double) throws { try begin(); state.writer.writeTaggedDouble(value) }
    mutating func encode(_ value: Float) throws { try begin(); state.writer.writeTaggedFloat(value) }
    mutating func encode(_ value: Int) throws { try begin(); state.writer.writeTaggedSigned(Int64(value)) }
    mutating func encode(_ value: Int8) throws { try begin(); state.writer.writeTaggedSigned(Int64(value)) }
    mutating func encode(_ value: Int16) throws { try begin(); state.writer.writeTaggedSigned(Int64(value)) }
    mutating func encode(_ value: Int32) throws { try begin(); state.writer.writeTaggedSigned(Int64(value)) }
    mutating func encode(_ value: Int64) throws { try begin(); state.writer.writeTaggedSigned(value) }
    mutating func encode(_ value: UInt) throws { try begin(); state.writer.writeTaggedUnsigned(UInt64(value)) }
    mutating func encode(_ value: UInt8) throws { try begin(); state.writer.writeTaggedUnsigned(UInt64(value)) }
    mutating func encode(_ value: UInt16) throws { try begin(); state.writer.writeTaggedUnsigned(UInt64(value)) }
    mutating func encode(_ value: UInt32) throws { try begin(); state.writer.writeTaggedUnsigned(UInt64(value)) }
    mutating func encode(_ value: UInt64) throws { try begin(); state.writer.writeTaggedUnsigned(value) }
}
