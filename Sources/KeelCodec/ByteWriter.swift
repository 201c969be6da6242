/// An append-only byte buffer with the wire format's primitive encodings.
///
/// Variable-length integers use unsigned LEB128 (7 bits per byte, least significant group first,
/// high bit set on every byte but the last); signed values are zigzag-mapped first. The writer
/// always emits the minimal encoding, which ``ByteReader`` requires.
public struct ByteWriter: Sendable {
    @usableFromInline internal var storage: [UInt8]

    /// Creates an empty writer whose buffer has room for `capacity` bytes before reallocating.
    @inlinable
    public init(capacity: Int = 256) {
        storage = []
        storage.reserveCapacity(capacity)
    }

    /// The bytes written so far.
    @inlinable
    public var bytes: [UInt8] { storage }

    /// The number of bytes written so far.
    @inlinable
    public var count: Int { storage.count }

    /// Appends one byte.
    @inlinable @inline(__always)
    public mutating func writeByte(_ b: UInt8) {
        storage.append(b)
    }

    /// Appends `v` as an unsigned LEB128 varint (1 to 10 bytes).
    @inlinable @inline(__always)
    public mutating func writeVarUInt(_ v: UInt64) {
        if v < 0x80 {
            storage.append(UInt8(truncatingIfNeeded: v))
        } else {
            writeVarUIntSlow(v)
        }
    }

    /// The multi-byte continuation of ``writeVarUInt(_:)``.
    @usableFromInline
    internal mutating func writeVarUIntSlow(_ v: UInt64) {
        var value = v
        while value >= 0x80 {
            storage.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        storage.append(UInt8(truncatingIfNeeded: value))
    }

    /// Appends `v` zigzag-mapped and LEB128-encoded, so small magnitudes of either sign stay short.
    @inlinable @inline(__always)
    public mutating func writeVarInt(_ v: Int64) {
        writeVarUInt(WireScan.zigzagEncode(v))
    }

    /// Appends raw bytes without a length prefix.
    ///
    /// Contiguous sequences such as `[UInt8]` and `ArraySlice<UInt8>` are copied with one `memcpy`.
    @inlinable
    public mutating func writeRaw(_ b: some Sequence<UInt8>) {
        let done: Void? = b.withContiguousStorageIfAvailable { buffer in
            storage.append(contentsOf: buffer)
        }
        if done == nil {
            storage.append(contentsOf: b)
        }
    }

    /// Appends the bytes of a raw buffer without a length prefix.
    @inlinable
    public mutating func writeRaw(_ b: UnsafeRawBufferPointer) {
        storage.append(contentsOf: b)
    }

    /// Appends a varuint byte count followed by the bytes themselves.
    @inlinable
    public mutating func writeLengthPrefixed(_ b: some Collection<UInt8>) {
        writeVarUInt(UInt64(b.count))
        writeRaw(b)
    }

    /// Appends a varuint UTF-8 byte count followed by the string's UTF-8 bytes.
    @inlinable
    public mutating func writeString(_ s: String) {
        let utf8 = s.utf8
        writeVarUInt(UInt64(utf8.count))
        let done: Void? = utf8.withContiguousStorageIfAvailable { buffer in
            storage.append(contentsOf: buffer)
        }
        if done == nil {
            storage.append(contentsOf: utf8)
        }
    }

    /// Appends `v` as 4 big-endian bytes.
    @inlinable
    public mutating func writeUInt32BE(_ v: UInt32) {
        withUnsafeBytes(of: v.bigEndian) { storage.append(contentsOf: $0) }
    }

    /// Appends `v` as 8 big-endian bytes.
    @inlinable
    public mutating func writeUInt64BE(_ v: UInt64) {
        withUnsafeBytes(of: v.bigEndian) { storage.append(contentsOf: $0) }
    }

    /// Appends `v` as 4 little-endian bytes (used for `Float` bit patterns).
    @inlinable
    internal mutating func writeUInt32LE(_ v: UInt32) {
        withUnsafeBytes(of: v.littleEndian) { storage.append(contentsOf: $0) }
    }

    /// Appends `v` as 8 little-endian bytes (used for `Double` bit patterns).
    @inlinable
    internal mutating func writeUInt64LE(_ v: UInt64) {
        withUnsafeBytes(of: v.littleEndian) { storage.append(contentsOf: $0) }
    }

    /// Appends 4 zero bytes to be filled in later with ``patchUInt32BE(_:at:)``; returns their offset.
    @inlinable
    public mutating func reserveUInt32() -> Int {
        let offset = storage.count
        storage.append(contentsOf: repeatElement(0, count: 4))
        return offset
    }

    /// Overwrites the 4 bytes at `offset` (previously reserved) with `v` in big-endian order.
    ///
    /// - Precondition: `offset + 4 <= count`; violating it is a programming error and traps.
    @inlinable
    public mutating func patchUInt32BE(_ v: UInt32, at offset: Int) {
        precondition(offset >= 0 && offset <= storage.count - 4, "patch offset \(offset) out of bounds")
        storage[offset] = UInt8(truncatingIfNeeded: v >> 24)
        storage[offset + 1] = UInt8(truncatingIfNeeded: v >> 16)
        storage[offset + 2] = UInt8(truncatingIfNeeded: v >> 8)
        storage[offset + 3] = UInt8(truncatingIfNeeded: v)
    }

    /// Removes all written bytes, optionally keeping the allocated capacity for reuse.
    @inlinable
    public mutating func removeAll(keepingCapacity: Bool) {
        storage.removeAll(keepingCapacity: keepingCapacity)
    }

    /// Moves the written bytes out, leaving the writer empty, without copying the buffer.
    @inlinable
    public mutating func takeBytes() -> [UInt8] {
        let result = storage
        storage = []
        return result
    }

    /// Removes every byte at or after `count`; used to roll back a failed encode.
    @usableFromInline
    internal mutating func truncate(to count: Int) {
        if count < storage.count {
            storage.removeSubrange(count...)
        }
    }
}
