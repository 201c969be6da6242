import Testing
@testable import KeelStorage

@Suite struct CRC32CTests {
    @Test func knownVectors() {
        // RFC 3720, appendix B.4, and the classic check value.
        #expect(CRC32C.checksum([UInt8]()) == 0)
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
        #expect(CRC32C.checksum((0..<32).reversed().map { UInt8($0) }) == 0x113F_DB5C)
    }

    @Test func incrementalEqualsOneShotAtEverySplit() {
        let data = (0..<100).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let whole = CRC32C.checksum(data)
        for split in 0...data.count {
            var crc = CRC32C()
            crc.update(data[..<split])
            crc.update(data[split...])
            #expect(crc.value == whole, "split at \(split)")
        }
    }

    @Test func nonContiguousSequenceMatches() {
        let data = Array("The quick brown fox jumps over the lazy dog".utf8)
        #expect(CRC32C.checksum(data.lazy.map { $0 }) == CRC32C.checksum(data))
        #expect(CRC32C.checksum(data) == 0x2262_0404)
    }
}
