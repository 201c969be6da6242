/// A forward-only cursor over received bytes that decodes the wire format's primitives.
///
/// Every read checks the remaining length first and throws ``WireError`` instead of trapping, so
/// it is safe on hostile input. ``offset`` is relative to the first byte the reader was created
/// with, and is the offset reported in errors.
public struct ByteReader: Sendable {
    @usableFromInline internal let storage: ArraySlice<UInt8>
    @usableFromInline internal var position: Int

    /// Creates a reader over a slice; offsets are relative to `bytes.startIndex`.
    @inlinable
    public init(_ bytes: ArraySlice<UInt8>) {
        storage = bytes
        position = 0
    }

    /// Creates a reader over an array.
    @inlinable
    public init(_ bytes: [UInt8]) {
        self.init(bytes[...])
    }

    /// The number of bytes consumed so far.
    @inlinable
    public var offset: Int { position }

    /// The number of bytes not yet consumed.
    @inlinable
    public var remaining: Int { storage.count &- position }

    /// Whether every byte has been consumed.
    @inlinable
    public var isAtEnd: Bool { position >= storage.count }

    /// Reads one byte.
    @inlinable @inline(__always)
    public mutating func readByte() throws(WireError) -> UInt8 {
        guard position < storage.count else {
            throw WireError.truncated(needed: 1, available: 0, offset: position)
        }
        let byte = storage[storage.startIndex &+ position]
        position &+= 1
        return byte
    }

    /// Reads an unsigned LEB128 varint: at most 10 bytes, no 64-bit overflow, minimal encoding only.
    @inlinable @inline(__always)
    public mutating func readVarUInt() throws(WireError) -> UInt64 {
        if position < storage.count {
            let first = storage[storage.startIndex &+ position]
            if first < 0x80 {
                position &+= 1
                return UInt64(first)
            }
        }
        var pos = position
        let value = try storage.withUnsafeBufferPointer { (buf) throws(WireError) -> UInt64 in
            try WireScan.varUIntSlow(buf, &pos)
        }
        position = pos
        return value
    }

    /// Reads a zigzag-encoded signed varint.
    @inlinable @inline(__always)
    public mutating func readVarInt() throws(WireError) -> Int64 {
        WireScan.zigzagDecode(try readVarUInt())
    }

    /// Reads exactly `count` bytes and returns them as a slice of the underlying storage (no copy).
    ///
    /// The returned slice keeps the indices of the storage it was cut from.
    @inlinable
    public mutating func readRaw(count: Int) throws(WireError) -> ArraySlice<UInt8> {
        guard count >= 0, count <= remaining else {
            throw WireError.truncated(needed: count, available: remaining, offset: position)
        }
        let start = storage.startIndex &+ position
        position &+= count
        return storage[start..<(start &+ count)]
    }

    /// Reads a varuint length followed by that many bytes.
    ///
    /// The length is checked against the remaining bytes (then against `maxLength`) before anything
    /// is sliced or allocated.
    @inlinable
    public mutating func readLengthPrefixed(maxLength: Int = .max) throws(WireError) -> ArraySlice<UInt8> {
        let length = try readCheckedLength(maxLength: maxLength, what: "byte string")
        let start = storage.startIndex &+ position
        position &+= length
        return storage[start..<(start &+ length)]
    }

    /// Reads a varuint byte count followed by that many bytes of UTF-8, which are validated.
    @inlinable
    public mutating func readString(maxLength: Int = .max) throws(WireError) -> String {
        let length = try readCheckedLength(maxLength: maxLength, what: "string")
        let start = position
        position &+= length
        return try storage.withUnsafeBufferPointer { (buf) throws(WireError) -> String in
            try WireScan.string(buf, start..<(start &+ length))
        }
    }

    /// Reads a 4-byte big-endian unsigned integer.
    @inlinable
    public mutating func readUInt32BE() throws(WireError) -> UInt32 {
        try readFixed(UInt32.self)
    }

    /// Reads an 8-byte big-endian unsigned integer.
    @inlinable
    public mutating func readUInt64BE() throws(WireError) -> UInt64 {
        try readFixed(UInt64.self)
    }

    /// Skips `count` bytes.
    @inlinable
    public mutating func skip(_ count: Int) throws(WireError) {
        guard count >= 0, count <= remaining else {
            throw WireError.truncated(needed: count, available: remaining, offset: position)
        }
        position &+= count
    }

    /// Reads a varuint length, checks it against the remaining bytes and `maxLength`.
    @inlinable
    internal mutating func readCheckedLength(maxLength: Int, what: StaticString) throws(WireError) -> Int {
        let lengthOffset = position
        let raw = try readVarUInt()
        guard raw <= UInt64(remaining) else {
            throw WireError.lengthExceedsRemaining(length: raw, remaining: remaining, offset: lengthOffset)
        }
        let length = Int(truncatingIfNeeded: raw)
        guard length <= maxLength else {
            throw WireError.limitExceeded("\(what) length \(length) at offset \(lengthOffset) exceeds the limit \(maxLength)")
        }
        return length
    }

    /// Reads a big-endian fixed-width integer.
    @inlinable @inline(__always)
    internal mutating func readFixed<T: FixedWidthInteger>(_: T.Type) throws(WireError) -> T {
        var pos = position
        let value = try storage.withUnsafeBufferPointer { (buf) throws(WireError) -> T in
            try WireScan.bigEndian(buf, &pos, as: T.self)
        }
        position = pos
        return value
    }
}
