import Testing
import KeelCrypto

/// One RFC 4231 test case; `expected` may be a truncated prefix of the full tag.
struct HMACVector: Sendable, CustomTestStringConvertible {
    let name: String
    let key: [UInt8]
    let data: [UInt8]
    let expected: String
    var testDescription: String { name }
}

private func text(_ string: String) -> [UInt8] { Array(string.utf8) }

/// RFC 4231 §4.2–4.8 (HMAC-SHA-256 results).
let rfc4231Vectors: [HMACVector] = [
    HMACVector(name: "case 1", key: [UInt8](repeating: 0x0b, count: 20), data: text("Hi There"),
               expected: "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
    HMACVector(name: "case 2", key: text("Jefe"), data: text("what do ya want for nothing?"),
               expected: "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
    HMACVector(name: "case 3", key: [UInt8](repeating: 0xaa, count: 20),
               data: [UInt8](repeating: 0xdd, count: 50),
               expected: "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
    HMACVector(name: "case 4", key: (1...25).map { UInt8($0) }, data: [UInt8](repeating: 0xcd, count: 50),
               expected: "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
    HMACVector(name: "case 5 (truncated to 128 bits)", key: [UInt8](repeating: 0x0c, count: 20),
               data: text("Test With Truncation"), expected: "a3b6167473100ee06e0c796c2955552b"),
    HMACVector(name: "case 6", key: [UInt8](repeating: 0xaa, count: 131),
               data: text("Test Using Larger Than Block-Size Key - Hash Key First"),
               expected: "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
    HMACVector(name: "case 7", key: [UInt8](repeating: 0xaa, count: 131),
               data: text("This is a test using a larger than block-size key and a larger than block-size data. "
                   + "The key needs to be hashed before being used by the HMAC algorithm."),
               expected: "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
]

@Suite("HMACSHA256")
struct HMACSHA256Tests {
    @Test("RFC 4231 test cases 1-7", arguments: rfc4231Vectors)
    func rfc4231(vector: HMACVector) throws {
        let expected = try #require(bytes(hex: vector.expected))
        let tag = HMACSHA256.authenticate(vector.data, key: vector.key)
        #expect(tag.count == 32)
        #expect(Array(tag.prefix(expected.count)) == expected)
        #expect(ConstantTime.equals(tag.prefix(expected.count), expected))
    }

    @Test("incremental updates match one-shot", arguments: rfc4231Vectors)
    func incremental(vector: HMACVector) {
        let expected = HMACSHA256.authenticate(vector.data, key: vector.key)
        for split in 0...vector.data.count {
            var mac = HMACSHA256(key: vector.key)
            mac.update(vector.data[..<split])
            mac.update(vector.data[split...])
            #expect(mac.finalize() == expected, "split at \(split)")
        }
    }

    @Test("key handling at the block boundary")
    func keyLengths() {
        let message = text("challenge")
        // A 64-byte key is used as is; a 65-byte key is hashed first, so it equals HMAC under its digest.
        let key64 = [UInt8](repeating: 0x5a, count: 64)
        let key65 = [UInt8](repeating: 0x5a, count: 65)
        #expect(HMACSHA256.authenticate(message, key: key65)
            == HMACSHA256.authenticate(message, key: SHA256.hash(key65)))
        #expect(HMACSHA256.authenticate(message, key: key64)
            != HMACSHA256.authenticate(message, key: SHA256.hash(key64)))
        // Zero padding: a short key equals itself with trailing zeros up to 64 bytes.
        #expect(HMACSHA256.authenticate(message, key: text("Jefe"))
            == HMACSHA256.authenticate(message, key: text("Jefe") + [UInt8](repeating: 0, count: 60)))
        #expect(HMACSHA256.authenticate(message, key: [UInt8]()).count == 32)
    }

    @Test("different keys or messages give different tags")
    func sensitivity() {
        let tag = HMACSHA256.authenticate(text("nonce-1"), key: text("secret"))
        #expect(tag != HMACSHA256.authenticate(text("nonce-2"), key: text("secret")))
        #expect(tag != HMACSHA256.authenticate(text("nonce-1"), key: text("secreT")))
    }
}
