import KeelCodec
import Testing
@testable import KeelActors

/// The per-connection cache of call targets: identical bytes reuse one parsed entry, different
/// bytes never do, and hostile sections are refused before anything is allocated for them.
@Suite struct CallTargetCacheTests {
    /// A call frame's target section (`name str, generics [str]`) followed by `trailer`.
    private func section(_ name: String, generics: [String] = [], trailer: [UInt8] = [0xEE]) -> [UInt8] {
        var writer = ByteWriter(capacity: 64)
        writer.writeString(name)
        writer.writeVarUInt(UInt64(generics.count))
        for generic in generics { writer.writeString(generic) }
        writer.writeRaw(trailer)
        return writer.bytes
    }

    @Test func identicalBytesReuseOneEntryAndLeaveTheReaderAtTheArguments() throws {
        var cache = CallTargetCache()
        let bytes = section("$s4Echo4echoyyF", generics: ["4Echo12$EchoServiceC"], trailer: [1, 2, 3])
        var first = ByteReader(bytes[...])
        let a = try cache.read(&first)
        #expect(a.name == "$s4Echo4echoyyF")
        #expect(a.genericSubstitutions == ["4Echo12$EchoServiceC"])
        #expect(Array(try first.readRaw(count: first.remaining)) == [1, 2, 3])

        var second = ByteReader(bytes[...])
        let b = try cache.read(&second)
        #expect(a === b)
        #expect(second.remaining == 3)
    }

    @Test func differentTargetsOrSubstitutionsGetTheirOwnEntries() throws {
        var cache = CallTargetCache()
        var one = ByteReader(section("target", generics: ["A"])[...])
        var two = ByteReader(section("target", generics: ["B"])[...])
        var three = ByteReader(section("target")[...])
        let a = try cache.read(&one), b = try cache.read(&two), c = try cache.read(&three)
        #expect(a !== b && b !== c && a !== c)
        #expect(b.genericSubstitutions == ["B"])
        #expect(c.genericSubstitutions.isEmpty)
    }

    @Test func manyDistinctTargetsStayBoundedAndCorrect() throws {
        var cache = CallTargetCache()
        for round in 0..<2 {
            for index in 0..<(CallTargetCache.capacity * 3) {
                var reader = ByteReader(section("target-\(index)")[...])
                #expect(try cache.read(&reader).name == "target-\(index)", "round \(round)")
            }
        }
        #expect(cache.count == CallTargetCache.capacity)
    }

    @Test func hostileSectionsAreRefused() throws {
        var cache = CallTargetCache()
        var tooManyGenerics = ByteReader(section("t", generics: Array(repeating: "G", count: 17))[...])
        #expect(throws: WireError.self) { try cache.read(&tooManyGenerics) }
        var longName = ByteReader(section(String(repeating: "x", count: 4097))[...])
        #expect(throws: WireError.self) { try cache.read(&longName) }
        var truncated = ByteReader(Array(section("target", generics: ["G"]).dropLast(3))[...])
        #expect(throws: WireError.self) { try cache.read(&truncated) }
        var badUTF8 = ByteReader([2, 0xFF, 0xFE, 0][...])
        #expect(throws: (any Error).self) { try cache.read(&badUTF8) }
        #expect(cache.count == 0)
    }
}
