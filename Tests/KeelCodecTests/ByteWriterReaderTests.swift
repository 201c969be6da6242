import Testing
import KeelCodec

@Suite("Byte primitives")
struct ByteWriterReaderTests {
    @Test("varuint lengths and round trips", arguments: [
        (UInt64(0), 1), (1, 1), (127, 1), (128, 2), (16_383, 2), (16_384, 3),
        (UInt64(UInt32.max), 5), (1 << 63, 10), (UInt64.max, 10),
    ])
    func varUIntRoundTrip(value: UInt64, length: Int) throws {
        var writer = ByteWriter()
        writer.writeVarUInt(value)
        #expect(writer.count == length)
        var reader = ByteReader(writer.bytes)
        #expect(try reader.readVarUInt() == value)
        #expect(reader.isAtEnd)
    }

    @Test("UInt64.max is nine 0xFF bytes and 0x01")
    func varUIntMaxEncoding() {
        var writer = ByteWriter()
        writer.writeVarUInt(.max)
        #expect(writer.bytes == Array(repeating: 0xFF, count: 9) + [0x01])
    }

    @Test("zigzag varints", arguments: [Int64.min, Int64.min + 1, -65, -64, -1, 0, 1, 63, 64, Int64.max])
    func varIntRoundTrip(value: Int64) throws {
        var writer = ByteWriter()
        writer.writeVarInt(value)
        var reader = ByteReader(writer.bytes)
        #expect(try reader.readVarInt() == value)
        #expect(reader.isAtEnd)
    }

    @Test("zigzag keeps small magnitudes short")
    func zigzagIsShort() {
        var writer = ByteWriter()
        writer.writeVarInt(-1)
        writer.writeVarInt(-64)
        writer.writeVarInt(63)
        #expect(writer.bytes == [0x01, 0x7F, 0x7E])
    }

    @Test("a 10th byte above 1 overflows 64 bits")
    func varUIntOverflow() {
        var reader = ByteReader(Array(repeating: 0xFF, count: 9) + [0x02])
        #expect(wireError { _ = try reader.readVarUInt() } == .malformedVarint(offset: 0))
    }

    @Test("more than 10 bytes is rejected")
    func varUIntTooLong() {
        var reader = ByteReader(Array(repeating: 0x80, count: 10) + [0x00])
        #expect(wireError { _ = try reader.readVarUInt() } == .malformedVarint(offset: 0))
    }

    @Test("non-minimal encodings are rejected (canonical form)", arguments: [
        [UInt8(0x80), 0x00], [0x81, 0x80, 0x00], [0xFF, 0x00], [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00],
    ])
    func varUIntNonMinimal(bytes: [UInt8]) {
        var reader = ByteReader([0x00] + bytes)
        #expect(throws: Never.self) { _ = try reader.readByte() }
        #expect(wireError { _ = try reader.readVarUInt() } == .malformedVarint(offset: 1))
    }

    @Test("truncated varint reports where the next byte was needed")
    func varUIntTruncated() {
        var reader = ByteReader([0x80, 0x80])
        #expect(wireError { _ = try reader.readVarUInt() } == .truncated(needed: 1, available: 0, offset: 2))
        var empty = ByteReader([UInt8]())
        #expect(wireError { _ = try empty.readVarUInt() } == .truncated(needed: 1, available: 0, offset: 0))
    }

    @Test("fixed-width big-endian integers and patching")
    func fixedWidth() throws {
        var writer = ByteWriter(capacity: 0)
        writer.writeUInt32BE(0x0102_0304)
        writer.writeUInt64BE(0x0102_0304_0506_0708)
        let slot = writer.reserveUInt32()
        writer.writeByte(0xAA)
        writer.patchUInt32BE(0xDEAD_BEEF, at: slot)
        #expect(writer.bytes == [1, 2, 3, 4, 1, 2, 3, 4, 5, 6, 7, 8, 0xDE, 0xAD, 0xBE, 0xEF, 0xAA])
        var reader = ByteReader(writer.bytes)
        #expect(try reader.readUInt32BE() == 0x0102_0304)
        #expect(try reader.readUInt64BE() == 0x0102_0304_0506_0708)
        #expect(try reader.readUInt32BE() == 0xDEAD_BEEF)
        #expect(reader.remaining == 1)
        #expect(wireError { _ = try reader.readUInt32BE() } == .truncated(needed: 4, available: 1, offset: 16))
    }

    @Test("raw, length-prefixed and string writes")
    func rawAndStrings() throws {
        var writer = ByteWriter()
        writer.writeRaw([1, 2] as [UInt8])
        writer.writeRaw([9, 3, 4, 9][1...2])
        writer.writeRaw((5...6).lazy.map { UInt8($0) })
        [UInt8(7)].withUnsafeBytes { writer.writeRaw($0) }
        writer.writeLengthPrefixed([0xAB, 0xCD] as [UInt8])
        writer.writeString("")
        writer.writeString("é👍")
        #expect(writer.bytes == [1, 2, 3, 4, 5, 6, 7, 2, 0xAB, 0xCD, 0, 6, 0xC3, 0xA9, 0xF0, 0x9F, 0x91, 0x8D])

        var reader = ByteReader(writer.bytes[...])
        #expect(Array(try reader.readRaw(count: 7)) == [1, 2, 3, 4, 5, 6, 7])
        #expect(Array(try reader.readLengthPrefixed()) == [0xAB, 0xCD])
        #expect(try reader.readString() == "")
        #expect(try reader.readString(maxLength: 6) == "é👍")
        #expect(reader.isAtEnd)
        #expect(reader.offset == writer.count)
    }

    @Test("offsets are relative to the start of the slice")
    func sliceOffsets() throws {
        let bytes: [UInt8] = [0xFF, 0xFF, 0x02, 0x41]
        var reader = ByteReader(bytes[2...])
        #expect(reader.offset == 0)
        #expect(wireError { _ = try reader.readLengthPrefixed() } == .lengthExceedsRemaining(length: 2, remaining: 1, offset: 0))
        var reader2 = ByteReader(bytes[2...])
        try reader2.skip(1)
        #expect(try reader2.readByte() == 0x41)
        #expect(wireError { try reader2.skip(1) } == .truncated(needed: 1, available: 0, offset: 2))
    }

    @Test("a huge claimed length fails before allocating")
    func hugeLength() {
        var writer = ByteWriter()
        writer.writeVarUInt(1 << 60)
        writer.writeByte(0)
        var reader = ByteReader(writer.bytes)
        #expect(wireError { _ = try reader.readLengthPrefixed() }
            == .lengthExceedsRemaining(length: 1 << 60, remaining: 1, offset: 0))
        var reader2 = ByteReader(writer.bytes)
        #expect(wireError { _ = try reader2.readString() }
            == .lengthExceedsRemaining(length: 1 << 60, remaining: 1, offset: 0))
    }

    @Test("maxLength is enforced after the remaining-bytes check")
    func maxLength() {
        var reader = ByteReader([3, 0x61, 0x62, 0x63])
        let error = wireError { _ = try reader.readString(maxLength: 2) }
        guard case .limitExceeded(let message) = error else {
            Issue.record("unexpected \(String(describing: error))")
            return
        }
        #expect(message.contains("3") && message.contains("2"))
    }

    @Test("invalid UTF-8 is rejected with the offset of the string bytes")
    func invalidUTF8() {
        var reader = ByteReader([0x00, 0x02, 0xC3, 0x28])
        _ = try? reader.readByte()
        #expect(wireError { _ = try reader.readString() } == .invalidUTF8(offset: 2))
        var overlong = ByteReader([0x02, 0xC0, 0x80])
        #expect(wireError { _ = try overlong.readString() } == .invalidUTF8(offset: 1))
    }

    @Test("removeAll and takeBytes")
    func removeAll() {
        var writer = ByteWriter()
        writer.writeByte(1)
        writer.removeAll(keepingCapacity: true)
        #expect(writer.count == 0)
        writer.writeByte(2)
        #expect(writer.takeBytes() == [2])
        #expect(writer.bytes.isEmpty)
    }

    @Test("WireError descriptions name offsets")
    func descriptions() throws {
        #expect(WireError.truncated(needed: 4, available: 1, offset: 9).description.contains("offset 9"))
        #expect(WireError.invalidTag(0, offset: 3).description.contains("0x0"))
        let encoded = try BinaryEncoder().encode(WireError.typeMismatch(expected: "Int", found: "string", offset: 7))
        #expect(try BinaryDecoder().decode(WireError.self, from: encoded)
            == .typeMismatch(expected: "Int", found: "string", offset: 7))
    }
}
