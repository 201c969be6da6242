import Testing
import KeelCrypto

@Suite("SHA256")
struct SHA256Tests {
    @Test("FIPS 180 vectors", arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
    ])
    func fipsVectors(message: String, expected: String) {
        #expect(SHA256.hash(message.utf8).hexString == expected)
        #expect(SHA256.hash(Array(message.utf8)).hexString == expected)
        // Non-contiguous sequence path.
        #expect(SHA256.hash(message.utf8.lazy.map { $0 }).hexString == expected)
    }

    @Test("one million 'a'")
    func millionA() {
        let expected = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        #expect(SHA256.hash([UInt8](repeating: 0x61, count: 1_000_000)).hexString == expected)
        var hasher = SHA256()
        let chunk = [UInt8](repeating: 0x61, count: 1000)
        for _ in 0..<1000 { hasher.update(chunk) }
        #expect(hasher.finalize().hexString == expected)
    }

    @Test("digest size and constants")
    func sizes() {
        #expect(SHA256.digestByteCount == 32)
        #expect(SHA256.blockByteCount == 64)
        #expect(SHA256.hash([UInt8]()).count == 32)
    }

    @Test("padding boundaries agree across input paths")
    func paddingBoundaries() {
        // Lengths around 55/56/64 bytes exercise one- versus two-block padding.
        for length in 0...130 {
            let message = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            let oneShot = SHA256.hash(message)
            let byteByByte = SHA256.hash(AnySequence(message))
            #expect(oneShot == byteByByte, "length \(length)")
        }
    }

    @Test("incremental updates split at every offset match one-shot")
    func splitAtEveryOffset() {
        let message = (0..<200).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
        let expected = SHA256.hash(message)
        for split in 0...message.count {
            var hasher = SHA256()
            hasher.update(message[..<split])
            hasher.update(message[split...])
            #expect(hasher.finalize() == expected, "split at \(split)")

            var raw = SHA256()
            message.withUnsafeBytes { buffer in
                raw.update(UnsafeRawBufferPointer(rebasing: buffer[..<split]))
                raw.update(UnsafeRawBufferPointer(rebasing: buffer[split...]))
            }
            #expect(raw.finalize() == expected, "raw split at \(split)")

            var mixed = SHA256()
            mixed.update(AnySequence(message[..<split]))
            mixed.update(message[split...])
            #expect(mixed.finalize() == expected, "mixed split at \(split)")
        }
    }

    @Test("three-way splits and single-byte updates")
    func manySmallUpdates() {
        let message = (0..<200).map { UInt8(truncatingIfNeeded: $0 &* 13) }
        let expected = SHA256.hash(message)
        var hasher = SHA256()
        for byte in message { hasher.update(CollectionOfOne(byte)) }
        #expect(hasher.finalize() == expected)
        for first in stride(from: 0, through: 200, by: 9) {
            for second in stride(from: first, through: 200, by: 11) {
                var split = SHA256()
                split.update(message[..<first])
                split.update(message[first..<second])
                split.update(message[second...])
                #expect(split.finalize() == expected)
            }
        }
    }

    @Test("copying a hasher forks its state")
    func copyForks() {
        var prefix = SHA256()
        prefix.update("abc".utf8)
        var extended = prefix
        extended.update("def".utf8)
        #expect(prefix.finalize() == SHA256.hash("abc".utf8))
        #expect(extended.finalize() == SHA256.hash("abcdef".utf8))
    }

    @Test("empty updates change nothing")
    func emptyUpdates() {
        var hasher = SHA256()
        hasher.update([UInt8]())
        hasher.update(UnsafeRawBufferPointer(start: nil, count: 0))
        hasher.update("abc".utf8)
        hasher.update(EmptyCollection<UInt8>())
        #expect(hasher.finalize() == SHA256.hash("abc".utf8))
    }
}
