import Foundation
import Testing
import KeelCodec

@Suite("Decoding errors and hostile input")
struct DecodingErrorTests {
    struct Small: Codable { var value: UInt8 }
    struct Wide: Codable { var value: Int }
    struct Named: Codable { var name: String }
    struct Outer: Codable { var inner: Named }
    struct Texts: Codable { var value: String }

    @Test("type mismatch names the expected and found types and the offset")
    func typeMismatch() throws {
        let bytes = try BinaryEncoder().encode(Texts(value: "x"))
        // [keyed, 1, 5 "value", string ...]: the value starts at offset 8.
        #expect(wireError { _ = try BinaryDecoder().decode(Wide.self, from: bytes) }
            == .typeMismatch(expected: "Int", found: "string", offset: 8))
        #expect(wireError { _ = try BinaryDecoder().decode(Int.self, from: bytes) }
            == .typeMismatch(expected: "Int", found: "keyed container", offset: 0))
        #expect(wireError { _ = try BinaryDecoder().decode([Int].self, from: bytes) }
            == .typeMismatch(expected: "unkeyed container", found: "keyed container", offset: 0))
        #expect(wireError { _ = try BinaryDecoder().decode(Bool.self, from: [Tag.null]) }
            == .typeMismatch(expected: "Bool", found: "nil", offset: 0))
    }

    @Test("out-of-range integers name the value and the target type")
    func outOfRange() throws {
        let bytes = try BinaryEncoder().encode(Wide(value: 300))
        let error = wireError { _ = try BinaryDecoder().decode(Small.self, from: bytes) }
        guard case .valueOutOfRange(let message) = error else {
            Issue.record("unexpected \(String(describing: error))")
            return
        }
        #expect(message.contains("300") && message.contains("UInt8"))
        let negative = try BinaryEncoder().encode(-1)
        #expect(throws: WireError.self) { _ = try BinaryDecoder().decode(UInt64.self, from: negative) }
        #expect(try BinaryDecoder().decode(Int8.self, from: try BinaryEncoder().encode(UInt64(127))) == 127)
        #expect(throws: WireError.self) { _ = try BinaryDecoder().decode(Int.self, from: try BinaryEncoder().encode(UInt64.max)) }
        #expect(throws: WireError.self) { _ = try BinaryDecoder().decode(Float.self, from: try BinaryEncoder().encode(0.1)) }
        #expect(try BinaryDecoder().decode(Float.self, from: try BinaryEncoder().encode(0.5)) == 0.5)
        #expect(try BinaryDecoder().decode(Double.self, from: try BinaryEncoder().encode(Float(0.1))) == Double(Float(0.1)))
    }

    @Test("missing keys name the key and its path")
    func missingKey() throws {
        let empty = try BinaryEncoder().encode([String: Int]())
        #expect(wireError { _ = try BinaryDecoder().decode(Named.self, from: empty) } == .missingKey("name"))
        let outer = try BinaryEncoder().encode(["inner": [String: Int]()])
        #expect(wireError { _ = try BinaryDecoder().decode(Outer.self, from: outer) } == .missingKey("inner.name"))
    }

    @Test("trailing bytes, invalid tags and truncation are rejected")
    func framing() throws {
        var bytes = try BinaryEncoder().encode(Named(name: "n"))
        bytes.append(0x01)
        #expect(wireError { _ = try BinaryDecoder().decode(Named.self, from: bytes) } == .trailingBytes(count: 1, offset: bytes.count - 1))
        #expect(wireError { _ = try BinaryDecoder().decode(Int.self, from: [0x00]) } == .invalidTag(0, offset: 0))
        #expect(wireError { _ = try BinaryDecoder().decode(Int.self, from: [UInt8]()) } == .truncated(needed: 1, available: 0, offset: 0))
        #expect(wireError { _ = try BinaryDecoder().decode(Double.self, from: [Tag.float64, 1, 2]) }
            == .truncated(needed: 8, available: 2, offset: 1))
    }

    @Test("skipped unknown values are still validated")
    func skippedValuesAreValidated() {
        var writer = ByteWriter()
        writer.writeByte(Tag.keyed)
        writer.writeVarUInt(2)
        writer.writeString("name")
        writer.writeByte(Tag.string)
        writer.writeString("n")
        writer.writeString("x")
        writer.writeRaw([Tag.signed, 0x80, 0x00] as [UInt8]) // non-minimal varint
        #expect(wireError { _ = try BinaryDecoder().decode(Named.self, from: writer.bytes) } == .malformedVarint(offset: 13))
        var badTag = ByteWriter()
        badTag.writeByte(Tag.keyed)
        badTag.writeVarUInt(2)
        badTag.writeString("x")
        badTag.writeRaw([Tag.unkeyed, 1, 0x7F] as [UInt8])
        badTag.writeString("name")
        badTag.writeByte(Tag.string)
        badTag.writeString("n")
        #expect(wireError { _ = try BinaryDecoder().decode(Named.self, from: badTag.bytes) } == .invalidTag(0x7F, offset: 6))
    }

    @Test("duplicate keys are rejected in small and large containers")
    func duplicateKeys() {
        var small = ByteWriter()
        small.writeByte(Tag.keyed)
        small.writeVarUInt(2)
        for _ in 0..<2 {
            small.writeString("name")
            small.writeByte(Tag.string)
            small.writeString("v")
        }
        #expect(wireError { _ = try BinaryDecoder().decode(Named.self, from: small.bytes) } == .duplicateKey("name", offset: 11))
        var large = ByteWriter()
        large.writeByte(Tag.keyed)
        large.writeVarUInt(40)
        for index in 0..<40 {
            large.writeString(index == 39 ? "k0" : "k\(index)")
            large.writeByte(Tag.null)
        }
        #expect(throws: WireError.self) { _ = try BinaryDecoder().decode([String: Int?].self, from: large.bytes) }
    }

    @Test("[String: String] errors: non-string values, duplicates, limits")
    func stringDictionaryErrors() throws {
        let withNumber = try BinaryEncoder().encode(["a": 1])
        #expect(wireError { _ = try BinaryDecoder().decode([String: String].self, from: withNumber) }
            == .typeMismatch(expected: "String", found: "signed integer", offset: 4))
        var duplicate = ByteWriter()
        duplicate.writeByte(Tag.keyed)
        duplicate.writeVarUInt(2)
        for _ in 0..<2 {
            duplicate.writeString("k")
            duplicate.writeByte(Tag.string)
            duplicate.writeString("v")
        }
        #expect(wireError { _ = try BinaryDecoder().decode([String: String].self, from: duplicate.bytes) }
            == .duplicateKey("k", offset: 8))
        let nested = try BinaryEncoder().encode([[["a": "b"]]])
        #expect(throws: WireError.self) {
            _ = try BinaryDecoder(limits: CodecLimits(maxDepth: 2)).decode([[[String: String]]].self, from: nested)
        }
        #expect(try BinaryDecoder(limits: CodecLimits(maxDepth: 3)).decode([[[String: String]]].self, from: nested)
            == [[["a": "b"]]])
        #expect(throws: WireError.self) {
            _ = try BinaryDecoder(limits: CodecLimits(maxStringLength: 1)).decode([String: String].self,
                                                                                  from: try BinaryEncoder().encode(["ab": ""]))
        }
    }

    @Test("a claimed 2^60-element array fails fast with lengthExceedsRemaining")
    func hugeCount() {
        for tag in [Tag.unkeyed, Tag.keyed, Tag.string, Tag.bytes] {
            var writer = ByteWriter()
            writer.writeByte(tag)
            writer.writeVarUInt(1 << 60)
            #expect(wireError { _ = try BinaryDecoder().decode([Int].self, from: writer.bytes) } != nil)
            #expect(wireError { _ = try BinaryDecoder().decode([String: Int].self, from: writer.bytes) } != nil)
        }
        var writer = ByteWriter()
        writer.writeByte(Tag.unkeyed)
        writer.writeVarUInt(1 << 60)
        #expect(wireError { _ = try BinaryDecoder().decode([Int].self, from: writer.bytes) }
            == .lengthExceedsRemaining(length: 1 << 60, remaining: 0, offset: 1))
        // Keyed entries need two bytes each.
        #expect(wireError { _ = try BinaryDecoder().decode([String: Int].self, from: [Tag.keyed, 2, 0, Tag.null]) }
            == .lengthExceedsRemaining(length: 2, remaining: 2, offset: 1))
    }

    @Test("limits: depth (also while skipping), collection count and string length")
    func limits() throws {
        let atLimit = try BinaryEncoder().encode(DeepList(depth: 64))
        #expect(try BinaryDecoder().decode(DeepList.self, from: atLimit) == DeepList(depth: 64))
        let overLimit = try BinaryEncoder().encode(DeepList(depth: 65))
        #expect(wireError { _ = try BinaryDecoder().decode(DeepList.self, from: overLimit) }
            == .limitExceeded("nesting depth 65 exceeds the limit 64"))
        // The same bomb hidden under an unknown key is caught by the skipping scan.
        struct Hidden: Codable { var name: String; var unknown: DeepList }
        let hidden = try BinaryEncoder().encode(Hidden(name: "n", unknown: DeepList(depth: 64)))
        #expect(wireError { _ = try BinaryDecoder().decode(Named.self, from: hidden) }
            == .limitExceeded("nesting depth 65 exceeds the limit 64"))
        let shallow = BinaryDecoder(limits: CodecLimits(maxDepth: 3))
        #expect(throws: WireError.self) { _ = try shallow.decode([[[[Int]]]].self, from: try BinaryEncoder().encode([[[[1]]]])) }

        let counted = BinaryDecoder(limits: CodecLimits(maxCollectionCount: 3))
        #expect(try counted.decode([Int].self, from: try BinaryEncoder().encode([1, 2, 3])) == [1, 2, 3])
        #expect(throws: WireError.self) { _ = try counted.decode([Int].self, from: try BinaryEncoder().encode([1, 2, 3, 4])) }
        let short = BinaryDecoder(limits: CodecLimits(maxStringLength: 2))
        #expect(throws: WireError.self) { _ = try short.decode(String.self, from: try BinaryEncoder().encode("abc")) }
        #expect(throws: WireError.self) { _ = try short.decode(Texts.self, from: try BinaryEncoder().encode(Texts(value: ""))) }
    }

    @Test("100,000 nested container tags fail fast without recursion", arguments: [Tag.unkeyed, Tag.keyed])
    func nestingBomb(tag: UInt8) {
        var bomb: [UInt8] = []
        bomb.reserveCapacity(300_000)
        for _ in 0..<100_000 {
            bomb.append(tag)
            bomb.append(1)
            if tag == Tag.keyed { bomb.append(0) } // empty key
        }
        bomb.append(Tag.null)
        #expect(wireError { _ = try BinaryDecoder().decode(DeepList.self, from: bomb) } != nil)
        #expect(wireError { _ = try BinaryDecoder().decode(Envelope.self, from: bomb) } != nil)
        #expect(wireError { _ = try BinaryDecoder().decode([String: Shape].self, from: bomb) } != nil)
        #expect(wireError { _ = try BinaryDecoder().decode([[Int]].self, from: bomb) } != nil)
        // Wrapped under an unknown key, so only the skipping scan sees it.
        var wrapped = ByteWriter()
        wrapped.writeByte(Tag.keyed)
        wrapped.writeVarUInt(1)
        wrapped.writeString("junk")
        wrapped.writeRaw(bomb)
        #expect(wireError { _ = try BinaryDecoder().decode(Inner.self, from: wrapped.bytes) }
            == .limitExceeded("nesting depth 65 exceeds the limit 64"))
    }

    @Test("a decoder that escapes init(from:) cannot read freed memory")
    func escapedDecoder() throws {
        final class Escaper: Decodable {
            var decoder: (any Decoder)?
            init(from decoder: any Decoder) throws { self.decoder = decoder }
        }
        let escaper = try BinaryDecoder().decode(Escaper.self, from: try BinaryEncoder().encode(Named(name: "x")))
        let decoder = try #require(escaper.decoder)
        #expect(throws: WireError.self) { _ = try decoder.container(keyedBy: Named.CodingKeys.self) }
        #expect(throws: WireError.self) { _ = try decoder.singleValueContainer().decode(String.self) }
    }
}

extension DecodingErrorTests.Named {
    enum CodingKeys: String, CodingKey { case name }
}
