import Testing
import KeelCrypto

@Suite("ConstantTime")
struct ConstantTimeTests {
    @Test("equal contents compare equal")
    func equal() {
        #expect(ConstantTime.equals([UInt8](), [UInt8]()))
        #expect(ConstantTime.equals([1, 2, 3] as [UInt8], [1, 2, 3] as [UInt8]))
        let tag = SHA256.hash("abc".utf8)
        #expect(ConstantTime.equals(tag, tag[...]))
        #expect(ConstantTime.equals(tag, Array(tag)))
        #expect(ConstantTime.equals("abc".utf8, [0x61, 0x62, 0x63] as [UInt8]))
    }

    @Test("any single differing bit is detected")
    func singleBitDifferences() {
        let base = SHA256.hash("abc".utf8)
        for index in base.indices {
            for bit in 0..<8 {
                var other = base
                other[index] ^= UInt8(1) << bit
                #expect(!ConstantTime.equals(base, other), "byte \(index) bit \(bit)")
            }
        }
    }

    @Test("length mismatch returns false")
    func lengthMismatch() {
        #expect(!ConstantTime.equals([1, 2, 3] as [UInt8], [1, 2] as [UInt8]))
        #expect(!ConstantTime.equals([UInt8](), [0] as [UInt8]))
        #expect(!ConstantTime.equals([0] as [UInt8], [UInt8]()))
        let tag = SHA256.hash("abc".utf8)
        #expect(!ConstantTime.equals(tag, tag.prefix(16)))
    }
}
