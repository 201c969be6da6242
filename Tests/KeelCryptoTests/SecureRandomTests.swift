import Testing
import KeelCrypto

@Suite("SecureRandom and hexString")
struct SecureRandomTests {
    @Test("returns the requested count", arguments: [0, 1, 16, 32, 255, 256, 257, 1000, 4096])
    func count(count: Int) {
        #expect(SecureRandom.bytes(count).count == count)
    }

    @Test("non-positive counts give an empty array")
    func negative() {
        #expect(SecureRandom.bytes(-1).isEmpty)
    }

    @Test("two calls differ")
    func differs() {
        let first = SecureRandom.bytes(32)
        let second = SecureRandom.bytes(32)
        #expect(first != second)
        // 32 random bytes being all zero has probability 2^-256.
        #expect(first.contains { $0 != 0 })
    }

    @Test("large requests are not a repeated 256-byte chunk")
    func chunksDiffer() {
        let bytes = SecureRandom.bytes(1024)
        #expect(bytes[0..<256] != bytes[256..<512])
        #expect(Set(bytes).count > 64)
    }

    @Test("hexString is lowercase, two digits per byte")
    func hex() {
        #expect([UInt8]().hexString == "")
        #expect(([0x00, 0x0f, 0xab, 0xff] as [UInt8]).hexString == "000fabff")
        #expect("abc".utf8.hexString == "616263")
        #expect(bytes(hex: "DEADbeef")?.hexString == "deadbeef")
        let all = (0...255).map { UInt8($0) }
        #expect(bytes(hex: all.hexString) == all)
    }
}
