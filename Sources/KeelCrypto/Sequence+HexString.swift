extension Sequence where Element == UInt8 {
    /// The bytes as a lowercase hexadecimal string, two digits per byte (e.g. `[0xab, 0x01]` →
    /// `"ab01"`). Handy for tests and logs; never log secrets with it.
    public var hexString: String {
        let digits: StaticString = "0123456789abcdef"
        var characters = [UInt8]()
        characters.reserveCapacity(underestimatedCount * 2)
        digits.withUTF8Buffer { table in
            for byte in self {
                characters.append(table[Int(byte >> 4)])
                characters.append(table[Int(byte & 0x0f)])
            }
        }
        return String(decoding: characters, as: UTF8.self)
    }
}
