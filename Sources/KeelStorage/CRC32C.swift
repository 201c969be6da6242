/// CRC-32C (Castagnoli, polynomial 0x1EDC6F41, reflected), as used by iSCSI, ext4 and LevelDB.
///
/// Table-driven, slicing-by-8. Verified against the RFC 3720 (B.4) test vectors.
public struct CRC32C: Sendable, Equatable {
    /// The checksum of everything passed to ``update(_:)`` so far (0 for no bytes).
    public private(set) var value: UInt32 = 0

    /// Starts a checksum over no bytes.
    public init() {}

    /// The checksum of `bytes`.
    public static func checksum(_ bytes: some Sequence<UInt8>) -> UInt32 {
        var crc = CRC32C()
        crc.update(bytes)
        return crc.value
    }

    /// Continues the checksum with `bytes`.
    public mutating func update(_ bytes: some Sequence<UInt8>) {
        let done: Bool? = bytes.withContiguousStorageIfAvailable { buffer in
            update(UnsafeRawBufferPointer(buffer))
            return true
        }
        if done == nil {
            let copy = Array(bytes)
            copy.withUnsafeBytes { update($0) }
        }
    }

    /// Continues the checksum with the bytes in `buffer`.
    public mutating func update(_ buffer: UnsafeRawBufferPointer) {
        var crc = ~value
        crc32cTables.withUnsafeBufferPointer { table in
            var index = 0
            let count = buffer.count
            while count - index >= 8 {
                let word = UInt64(littleEndian: buffer.loadUnaligned(fromByteOffset: index, as: UInt64.self)) ^ UInt64(crc)
                crc = table[7 &* 256 &+ Int(truncatingIfNeeded: word & 0xFF)]
                    ^ table[6 &* 256 &+ Int(truncatingIfNeeded: (word >> 8) & 0xFF)]
                    ^ table[5 &* 256 &+ Int(truncatingIfNeeded: (word >> 16) & 0xFF)]
                    ^ table[4 &* 256 &+ Int(truncatingIfNeeded: (word >> 24) & 0xFF)]
                    ^ table[3 &* 256 &+ Int(truncatingIfNeeded: (word >> 32) & 0xFF)]
                    ^ table[2 &* 256 &+ Int(truncatingIfNeeded: (word >> 40) & 0xFF)]
                    ^ table[256 &+ Int(truncatingIfNeeded: (word >> 48) & 0xFF)]
                    ^ table[Int(truncatingIfNeeded: word >> 56)]
                index &+= 8
            }
            while index < count {
                crc = table[Int(truncatingIfNeeded: (crc ^ UInt32(buffer[index])) & 0xFF)] ^ (crc >> 8)
                index &+= 1
            }
        }
        value = ~crc
    }
}

/// Eight 256-entry tables for slicing-by-8; table 0 is the classic byte-at-a-time table.
private let crc32cTables: [UInt32] = {
    var table = [UInt32](repeating: 0, count: 8 * 256)
    for byte in 0..<256 {
        var crc = UInt32(byte)
        for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        table[byte] = crc
    }
    for byte in 0..<256 {
        var crc = table[byte]
        for slice in 1..<8 {
            crc = table[Int(crc & 0xFF)] ^ (crc >> 8)
            table[slice * 256 + byte] = crc
        }
    }
    return table
}()
