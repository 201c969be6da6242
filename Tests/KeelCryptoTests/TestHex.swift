/// Decodes a hexadecimal test vector (whitespace ignored); `nil` on any non-hex digit or odd length.
func bytes(hex: String) -> [UInt8]? {
    var nibbles = [UInt8]()
    for scalar in hex.unicodeScalars where !scalar.properties.isWhitespace {
        guard let nibble = UInt8(String(scalar), radix: 16) else { return nil }
        nibbles.append(nibble)
    }
    guard nibbles.count % 2 == 0 else { return nil }
    return stride(from: 0, to: nibbles.count, by: 2).map { nibbles[$0] << 4 | nibbles[$0 + 1] }
}
