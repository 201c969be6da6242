/// Low-level, allocation-free scanning primitives shared by ``ByteReader`` and the decoder.
///
/// All functions operate on an `UnsafeBufferPointer<UInt8>` whose index 0 is the first byte of the
/// message, so buffer indices double as the byte offsets reported in ``WireError``. Every access is
/// preceded by an explicit bounds check against `buf.count`.
@usableFromInline
enum WireScan {
    /// The largest number of bytes a LEB128-encoded `UInt64` can occupy.
    @usableFromInline static let maxVarintLength = 10

    /// Reads one LEB128 varint at `pos`, advancing `pos` past it.
    ///
    /// Accepts at most 10 bytes, rejects values that overflow 64 bits and rejects non-minimal
    /// encodings (a final byte of `0x00` after at least one continuation byte).
    @inlinable @inline(__always)
    static func varUInt(_ buf: UnsafeBufferPointer<UInt8>, _ pos: inout Int) throws(WireError) -> UInt64 {
        let start = pos
        guard start >= 0, start < buf.count else {
            throw WireError.truncated(needed: 1, available: 0, offset: start)
        }
        let first = buf[start]
        if first < 0x80 {
            pos = start &+ 1
            return UInt64(first)
        }
        return try varUIntSlow(buf, &pos)
    }

    /// The multi-byte continuation of ``varUInt(_:_:)``.
    @usableFromInline
    static func varUIntSlow(_ buf: UnsafeBufferPointer<UInt8>, _ pos: inout Int) throws(WireError) -> UInt64 {
        let start = pos
        var result: UInt64 = 0
        var shift: UInt64 = 0
        var index = start
        while true {
            guard index < buf.count else {
                throw WireError.truncated(needed: 1, available: 0, offset: index)
            }
            let byte = buf[index]
            let length = index &- start &+ 1
            if length == maxVarintLength, byte > 1 {
                // The 10th byte may only contribute the top bit of a 64-bit value.
                throw WireError.malformedVarint(offset: start)
            }
            result |= UInt64(byte & 0x7F) << shift
            index &+= 1
            if byte < 0x80 {
                if byte == 0, length > 1 {
                    throw WireError.malformedVarint(offset: start)
                }
                pos = index
                return result
            }
            shift &+= 7
        }
    }

    /// Reads a zigzag-encoded signed varint at `pos`.
    @inlinable @inline(__always)
    static func varInt(_ buf: UnsafeBufferPointer<UInt8>, _ pos: inout Int) throws(WireError) -> Int64 {
        let raw = try varUInt(buf, &pos)
        return zigzagDecode(raw)
    }

    /// Maps a zigzag-encoded value back to a signed integer.
    @inlinable @inline(__always)
    static func zigzagDecode(_ raw: UInt64) -> Int64 {
        Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    /// Maps a signed integer to its zigzag encoding (small magnitudes become small values).
    @inlinable @inline(__always)
    static func zigzagEncode(_ value: Int64) -> UInt64 {
        UInt64(bitPattern: (value << 1) ^ (value >> 63))
    }

    /// Checks that `count` bytes are available at `pos`; throws ``WireError/truncated(needed:available:offset:)``.
    @inlinable @inline(__always)
    static func require(_ buf: UnsafeBufferPointer<UInt8>, _ pos: Int, _ count: Int) throws(WireError) {
        let available = buf.count &- pos
        guard count >= 0, pos >= 0, available >= count else {
            throw WireError.truncated(needed: count, available: max(0, available), offset: pos)
        }
    }

    /// Reads a varint length at `pos` and checks it against the bytes remaining after it.
    ///
    /// `unit` is the minimum number of bytes each counted item occupies (1 for byte strings and
    /// unkeyed elements, 2 for keyed entries), so the check happens before anything is allocated.
    @inlinable @inline(__always)
    static func length(
        _ buf: UnsafeBufferPointer<UInt8>, _ pos: inout Int, unit: Int = 1
    ) throws(WireError) -> Int {
        let lengthOffset = pos
        let raw = try varUInt(buf, &pos)
        let remaining = buf.count &- pos
        guard raw <= UInt64(remaining / unit) else {
            throw WireError.lengthExceedsRemaining(length: raw, remaining: remaining, offset: lengthOffset)
        }
        return Int(truncatingIfNeeded: raw)
    }

    /// Reads a big-endian fixed-width integer of `width` bytes at `pos`.
    @inlinable @inline(__always)
    static func bigEndian<T: FixedWidthInteger>(_ buf: UnsafeBufferPointer<UInt8>, _ pos: inout Int, as _: T.Type) throws(WireError) -> T {
        let width = MemoryLayout<T>.size
        try require(buf, pos, width)
        var value: T = 0
        for index in pos..<(pos &+ width) {
            value = (value << 8) | T(buf[index])
        }
        pos &+= width
        return value
    }

    /// Reads a little-endian fixed-width integer of `width` bytes at `pos`.
    @inlinable @inline(__always)
    static func littleEndian<T: FixedWidthInteger>(_ buf: UnsafeBufferPointer<UInt8>, _ pos: inout Int, as _: T.Type) throws(WireError) -> T {
        let width = MemoryLayout<T>.size
        try require(buf, pos, width)
        var value: T = 0
        for index in (pos..<(pos &+ width)).reversed() {
            value = (value << 8) | T(buf[index])
        }
        pos &+= width
        return value
    }

    /// Validates that `buf[range]` is UTF-8 and returns it as a `String`.
    @inlinable
    static func string(_ buf: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) throws(WireError) -> String {
        guard isValidUTF8(buf, range) else {
            throw WireError.invalidUTF8(offset: range.lowerBound)
        }
        return String(decoding: UnsafeBufferPointer(rebasing: buf[range]), as: UTF8.self)
    }

    /// Whether `buf[range]` is well-formed UTF-8 (Unicode Table 3-7: no overlong forms, no
    /// surrogates, nothing above U+10FFFF). ASCII is checked eight bytes at a time.
    @usableFromInline
    static func isValidUTF8(_ buf: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        guard let base = buf.baseAddress, range.lowerBound >= 0, range.upperBound <= buf.count else {
            return range.isEmpty
        }
        var index = range.lowerBound
        let end = range.upperBound
        let raw = UnsafeRawPointer(base)
        while index < end {
            if end &- index >= 8,
               raw.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                index &+= 8
                continue
            }
            let lead = buf[index]
            if lead < 0x80 {
                index &+= 1
                continue
            }
            let length: Int
            var lower: UInt8 = 0x80
            var upper: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; lower = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; upper = 0x9F
            case 0xF0: length = 4; lower = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; upper = 0x8F
            default: return false
            }
            guard end &- index >= length else { return false }
            let second = buf[index &+ 1]
            guard second >= lower, second <= upper else { return false }
            var next = index &+ 2
            while next < index &+ length {
                guard buf[next] & 0xC0 == 0x80 else { return false }
                next &+= 1
            }
            index = next
        }
        return true
    }
}
