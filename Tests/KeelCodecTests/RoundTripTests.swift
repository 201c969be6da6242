import Foundation
import Testing
import KeelCodec

@Suite("Codable round trips")
struct RoundTripTests {
    @Test("primitives at their extremes", arguments: [Primitives.minimum, Primitives.maximum])
    func primitives(value: Primitives) throws {
        #expect(try roundTrip(value) == value)
    }

    @Test("top-level scalars")
    func topLevelScalars() throws {
        #expect(try roundTrip(Int64.min) == .min)
        #expect(try roundTrip(UInt64.max) == .max)
        #expect(try roundTrip(Int8.min) == .min)
        #expect(try roundTrip(true) == true)
        #expect(try roundTrip("") == "")
        #expect(try roundTrip("🇨🇭 ✓ 日本") == "🇨🇭 ✓ 日本")
        #expect(try roundTrip(Optional<Int>.none) == nil)
        #expect(try roundTrip(Optional(5)) == 5)
        #expect(try roundTrip([UInt8]()) == [])
        #expect(try roundTrip(Data()) == Data())
    }

    @Test("a top-level primitive is written exactly as inside a container, and read back")
    func topLevelPrimitivesMatchContainedOnes() throws {
        // Top-level primitives take a direct path (no per-call state); containers write theirs through the state.
        struct Box<T: Codable & Equatable>: Codable, Equatable { var v: T }
        func check<T: Codable & Equatable>(_ value: T) throws {
            let alone = try BinaryEncoder().encode(value)
            let boxed = try BinaryEncoder().encode(Box(v: value))
            #expect(Array(boxed.dropFirst(4)) == alone, "\(T.self)")  // [keyed tag, count 1, key length 1, "v", value]
            #expect(try BinaryDecoder().decode(T.self, from: alone) == value)
            #expect(try BinaryDecoder().decode(Box<T>.self, from: boxed) == Box(v: value))
        }
        try check("keel"); try check(-5); try check(Int64.min); try check(UInt64.max); try check(UInt8(200))
        try check(Int16(-300)); try check(UInt32(70_000)); try check(true); try check(2.5); try check(Float(1.25))
        try check([UInt8](repeating: 7, count: 300)); try check(Data([1, 2, 3])); try check(["k": "v"])
    }

    @Test("special floating-point values keep their bit patterns", arguments: [
        0.0, -0.0, .infinity, -.infinity, .nan, -Double.nan, .leastNonzeroMagnitude, .greatestFiniteMagnitude, .pi,
    ])
    func doubles(value: Double) throws {
        #expect(try roundTrip(value).bitPattern == value.bitPattern)
        #expect(try roundTrip(Float(value)).bitPattern == Float(value).bitPattern)
    }

    @Test("NaN inside a struct and arrays")
    func nanInStruct() throws {
        struct Box: Codable { var values: [Double]; var single: Float }
        let decoded = try roundTrip(Box(values: [.nan, -0.0], single: .signalingNaN))
        #expect(decoded.values[0].isNaN)
        #expect(decoded.values[1].bitPattern == (-0.0 as Double).bitPattern)
        #expect(decoded.single.isNaN)
    }

    @Test("nested structs, enums, optionals, arrays, dictionaries, Data and bytes")
    func nested() throws {
        let value = Nested(
            inner: Inner(name: "a", value: nil),
            list: [Inner(name: "", value: -1), Inner(name: "ü", value: .max)],
            optionals: [1, nil, 3, nil],
            maybeInner: nil,
            byName: ["x": Inner(name: "x", value: 1), "": Inner(name: "empty", value: nil)],
            byNumber: [-5: "minus five", 0: "zero", 1 << 40: "big"],
            data: Data([0, 1, 2, 255]),
            bytes: Array(0...255),
            matrix: [[], [1], [1, 2, 3]],
            shapes: [.circle(radius: 1.5), .rect(width: 2, height: 3), .empty, .labeled("l", -7),
                     .group([.empty, .group([.circle(radius: 0)])])],
            color: .green,
            // `.some(nil)` is not representable by synthesized Codable (it reads back as `nil`).
            nestedOptional: nil)
        #expect(try roundTrip(value) == value)
        var other = value
        other.maybeInner = Inner(name: "present", value: 0)
        other.nestedOptional = .some(.some(4))
        #expect(try roundTrip(other) == other)
    }

    @Test("envelope")
    func envelope() throws {
        let value = Envelope(
            callID: 42, target: "node-7/actor/3f1c", method: "allocate(resources:)", arguments: [1, 2, 3],
            deadlineNanos: 1_000_000, headers: ["trace": "abc"])
        #expect(try roundTrip(value) == value)
    }

    @Test("arrays of optionals and optional arrays")
    func optionals() throws {
        let values: [String?] = [nil, "a", nil]
        #expect(try roundTrip(values) == values)
        let nestedOptionals: [[Int?]?] = [nil, [nil], [1, nil]]
        #expect(try roundTrip(nestedOptionals) == nestedOptionals)
    }

    @Test("[UInt8] and Data use the bytes tag and decode into each other")
    func bytesAndData() throws {
        let bytes: [UInt8] = [9, 8, 7]
        let encoded = try BinaryEncoder().encode(bytes)
        #expect(encoded == [Tag.bytes, 3, 9, 8, 7])
        #expect(try BinaryDecoder().decode(Data.self, from: encoded) == Data(bytes))
        let fromData = try BinaryEncoder().encode(Data(bytes))
        #expect(fromData == encoded)
        #expect(try BinaryDecoder().decode([UInt8].self, from: fromData) == bytes)
        #expect(try roundTrip([bytes, []]) == [bytes, []])
        #expect(try roundTrip([Data(bytes)]) == [Data(bytes)])
    }

    @Test("classes: superEncoder and a shared encoder")
    func classes() throws {
        let dog = try roundTrip(Dog(name: "Rex", breed: "Collie"))
        #expect(dog.name == "Rex" && dog.breed == "Collie")
        let cat = try roundTrip(Cat(name: "Tom", lives: 9))
        #expect(cat.name == "Tom" && cat.lives == 9)
        #expect(try roundTrip([Dog(name: "a", breed: "b"), Dog(name: "c", breed: "d")]).map(\.breed) == ["b", "d"])
    }

    @Test("large containers widen their count and use a dictionary index")
    func largeContainers() throws {
        let numbers = Array(-600...600)
        #expect(try roundTrip(numbers) == numbers)
        let strings = (0..<300).map { "s\($0)" }
        let dictionary = Dictionary(uniqueKeysWithValues: strings.enumerated().map { ($1, $0) })
        #expect(try roundTrip(dictionary) == dictionary)
        let nestedLarge = [[Int]](repeating: Array(0..<200), count: 130)
        #expect(try roundTrip(nestedLarge) == nestedLarge)
        let keyed = (0..<20).map { i in [String(i): Array(repeating: Inner(name: "n", value: i), count: 150)] }
        #expect(try roundTrip(keyed) == keyed)
    }

    @Test("large deep messages: unknown keys and out-of-order entries (skip memo enabled)")
    func largeDeepMessages() throws {
        let tree = Tree.make(depth: 30, width: 3, wideLevels: 3, blobSize: 64)
        let bytes = try BinaryEncoder().encode(tree)
        #expect(bytes.count > 4096)
        #expect(try BinaryDecoder().decode(Tree.self, from: bytes) == tree)
        func reorder(_ tree: Tree) -> ReorderedTree {
            ReorderedTree(children: tree.children.mapValues(reorder), label: tree.label)
        }
        let reordered = try BinaryDecoder().decode(ReorderedTree.self, from: bytes)
        #expect(reordered == reorder(tree))
        let back = try BinaryDecoder().decode(ReorderedTree.self, from: try BinaryEncoder().encode(reordered))
        #expect(back == reordered)
    }

    @Test("keys in any order, unknown keys skipped, missing optionals are nil")
    func schemaEvolution() throws {
        struct V2: Codable {
            var extra: [String: [Int]]
            var value: Int?
            var name: String
            var trailing: Shape
        }
        let v2 = V2(extra: ["k": [1, 2]], value: nil, name: "n", trailing: .group([.empty]))
        let decoded = try BinaryDecoder().decode(Inner.self, from: try BinaryEncoder().encode(v2))
        #expect(decoded == Inner(name: "n", value: nil))
    }

    @Test("encode(into:) appends to a writer")
    func encodeInto() throws {
        var writer = ByteWriter()
        writer.writeByte(0xEE)
        try BinaryEncoder().encode(Inner(name: "x", value: 1), into: &writer)
        #expect(writer.bytes.first == 0xEE)
        #expect(try BinaryDecoder().decode(Inner.self, from: writer.bytes[1...]) == Inner(name: "x", value: 1))
    }

    @Test("a value that encodes nothing is an empty keyed container")
    func emptyValue() throws {
        struct Empty: Codable, Equatable {}
        struct Ignores: Codable {
            init() {}
            init(from decoder: any Decoder) throws {}
            func encode(to encoder: any Encoder) throws {}
        }
        #expect(try BinaryEncoder().encode(Empty()) == [Tag.keyed, 0])
        #expect(try BinaryEncoder().encode(Ignores()) == [Tag.keyed, 0])
        #expect(try roundTrip([Empty(), Empty()]).count == 2)
        _ = try roundTrip([Ignores()])
    }

    @Test("userInfo reaches encode(to:) and init(from:)")
    func userInfo() throws {
        let key = try #require(CodingUserInfoKey(rawValue: "keel.test"))
        struct Probe: Codable {
            /// Reads the test key from user info without force-unwrapping the failable key init.
            static func seen(_ userInfo: [CodingUserInfoKey: Any]) -> String {
                CodingUserInfoKey(rawValue: "keel.test").flatMap { userInfo[$0] as? String } ?? "none"
            }
            var seen: String
            init(seen: String) { self.seen = seen }
            init(from decoder: any Decoder) throws {
                seen = Probe.seen(decoder.userInfo)
            }
            func encode(to encoder: any Encoder) throws {
                var container = encoder.singleValueContainer()
                try container.encode(Probe.seen(encoder.userInfo))
            }
        }
        let bytes = try BinaryEncoder(userInfo: [key: "enc"]).encode(Probe(seen: ""))
        #expect(try BinaryDecoder().decode(String.self, from: bytes) == "enc")
        #expect(try BinaryDecoder(userInfo: [key: "dec"]).decode(Probe.self, from: bytes).seen == "dec")
    }

    @Test("a lazily added user-info entry is there when a value asks, beside the eager ones")
    func lazyUserInfo() throws {
        let key = try #require(CodingUserInfoKey(rawValue: "keel.lazy"))
        final class System {}
        struct Probe: Decodable {
            var lazy: System?
            var keys: Int
            init(from decoder: any Decoder) throws {
                let userInfo = decoder.userInfo
                lazy = CodingUserInfoKey(rawValue: "keel.lazy").flatMap { userInfo[$0] as? System }
                keys = userInfo.count
                _ = try decoder.singleValueContainer().decode(String.self)
            }
        }
        let system = System()
        let bytes = try BinaryEncoder().encode("x")
        let probe = try BinaryDecoder(userInfoKey: key, value: system).decode(Probe.self, from: bytes)
        #expect(probe.lazy === system)
        #expect(probe.keys == 1)
        var both = BinaryDecoder(userInfoKey: key, value: system)
        both.userInfo[try #require(CodingUserInfoKey(rawValue: "keel.eager"))] = 1
        let seenByBoth = try both.decode(Probe.self, from: bytes)
        #expect(seenByBoth.lazy === system && seenByBoth.keys == 2)
        // Values that never read the user info decode the same with or without the entry.
        #expect(try BinaryDecoder(userInfoKey: key, value: system).decode([String].self, from: try BinaryEncoder().encode(["a", "b"])) == ["a", "b"])
    }

    @Test("coding paths are reported to nested values")
    func codingPaths() throws {
        struct PathProbe: Codable, Equatable {
            var path: String
            init(path: String) { self.path = path }
            init(from decoder: any Decoder) throws {
                _ = try decoder.singleValueContainer().decode(String.self)
                path = decoder.codingPath.map(\.stringValue).joined(separator: "/")
            }
            func encode(to encoder: any Encoder) throws {
                var container = encoder.singleValueContainer()
                try container.encode(encoder.codingPath.map(\.stringValue).joined(separator: "/"))
            }
        }
        struct Outer: Codable { var a: [String: [PathProbe]] }
        let value = Outer(a: ["k": [PathProbe(path: ""), PathProbe(path: "")]])
        let bytes = try BinaryEncoder().encode(value)
        let asStrings = try BinaryDecoder().decode([String: [String: [String]]].self, from: bytes)
        #expect(asStrings["a"]?["k"] == ["a/k/Index 0", "a/k/Index 1"])
        #expect(try BinaryDecoder().decode(Outer.self, from: bytes).a["k"]?.map(\.path) == ["a/k/Index 0", "a/k/Index 1"])
    }

    @Test("the wire format is pinned")
    func wireFormat() throws {
        let encoder = BinaryEncoder()
        #expect(try encoder.encode(Inner(name: "a", value: -2)) == [
            Tag.keyed, 2,
            4, 0x6E, 0x61, 0x6D, 0x65, Tag.string, 1, 0x61,
            5, 0x76, 0x61, 0x6C, 0x75, 0x65, Tag.signed, 3,
        ])
        #expect(try encoder.encode([UInt64(300)]) == [Tag.unkeyed, 1, Tag.unsigned, 0xAC, 0x02])
        #expect(try encoder.encode([true, false]) == [Tag.unkeyed, 2, Tag.bool1, Tag.bool0])
        #expect(try encoder.encode([Int?.none]) == [Tag.unkeyed, 1, Tag.null])
        #expect(try encoder.encode(1.0) == [Tag.float64, 0, 0, 0, 0, 0, 0, 0xF0, 0x3F])
        #expect(try encoder.encode(Float(1)) == [Tag.float32, 0, 0, 0x80, 0x3F])
        #expect(try encoder.encode(Color.blue) == [Tag.string, 4, 0x62, 0x6C, 0x75, 0x65])
        let wide = try encoder.encode(Array(repeating: 0, count: 200))
        #expect(Array(wide.prefix(4)) == [Tag.unkeyed, 0xC8, 0x01, Tag.signed])
        #expect(wide.count == 3 + 400)
    }

    @Test("[String: String] fast path matches the generic keyed layout")
    func stringDictionary() throws {
        let headers = ["trace": "abc", "": "empty key", "ü": "", "k": "🇨🇭"]
        #expect(try roundTrip(headers) == headers)
        // Written by the fast path, read generically (and the other way round).
        let bytes = try BinaryEncoder().encode(headers)
        #expect(try BinaryDecoder().decode([String: String?].self, from: bytes) == headers)
        let generic = try BinaryEncoder().encode(["trace": Optional("abc")])
        #expect(try BinaryDecoder().decode([String: String].self, from: generic) == ["trace": "abc"])
        #expect(try BinaryDecoder().decode([String: String].self, from: try BinaryEncoder().encode(Texts(value: "v")))
            == ["value": "v"])
        let large = Dictionary(uniqueKeysWithValues: (0..<300).map { ("key\($0)", String($0)) })
        #expect(try roundTrip(large) == large)
        #expect(try roundTrip([large, [:]]) == [large, [:]])
        #expect(try BinaryDecoder().decode([String: String].self, from: try BinaryEncoder().encode(
            large.mapValues { Optional($0) })) == large)
    }

    struct Texts: Codable { var value: String }
}
