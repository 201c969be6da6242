import Testing
import KeelCodec

/// Hand-written conformances exercising nested containers, `contains`, `decodeNil` and misuse.
@Suite("Containers")
struct ContainerTests {
    struct Manual: Codable, Equatable {
        var a: Int
        var list: [String]
        var point: (x: Int, y: Int)
        var tail: Bool

        enum Keys: String, CodingKey { case a, list, point, tail, absent, x, y }

        init(a: Int, list: [String], point: (x: Int, y: Int), tail: Bool) {
            self.a = a
            self.list = list
            self.point = point
            self.tail = tail
        }

        static func == (lhs: Manual, rhs: Manual) -> Bool {
            lhs.a == rhs.a && lhs.list == rhs.list && lhs.point == rhs.point && lhs.tail == rhs.tail
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            var list = container.nestedUnkeyedContainer(forKey: .list)
            for item in self.list { try list.encode(item) }
            var point = container.nestedContainer(keyedBy: Keys.self, forKey: .point)
            try point.encode(self.point.x, forKey: .x)
            try point.encode(self.point.y, forKey: .y)
            // Writing to the parent closes the nested containers.
            try container.encode(a, forKey: .a)
            try container.encodeNil(forKey: .absent)
            var unkeyedTail = container.nestedUnkeyedContainer(forKey: .tail)
            try unkeyedTail.encode(tail)
            var nestedPair = unkeyedTail.nestedUnkeyedContainer()
            try nestedPair.encode(1)
            try nestedPair.encodeNil()
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Keys.self)
            #expect(container.contains(.absent))
            #expect(try container.decodeNil(forKey: .absent))
            #expect(!container.contains(.x))
            #expect(try container.decodeIfPresent(Int.self, forKey: .absent) == nil)
            #expect(try container.decodeIfPresent(Int.self, forKey: .x) == nil)
            #expect(Set(container.allKeys.map(\.stringValue)) == ["a", "list", "point", "tail", "absent"])
            a = try container.decode(Int.self, forKey: .a)
            var tailContainer = try container.nestedUnkeyedContainer(forKey: .tail)
            #expect(tailContainer.count == 2)
            tail = try tailContainer.decode(Bool.self)
            var pair = try tailContainer.nestedUnkeyedContainer()
            #expect(try pair.decode(Int.self) == 1)
            #expect(try pair.decodeNil())
            #expect(pair.isAtEnd)
            #expect(tailContainer.isAtEnd)
            let point = try container.nestedContainer(keyedBy: Keys.self, forKey: .point)
            self.point = (try point.decode(Int.self, forKey: .x), try point.decode(Int.self, forKey: .y))
            var list = try container.nestedUnkeyedContainer(forKey: .list)
            var items: [String] = []
            while !list.isAtEnd {
                #expect(try !list.decodeNil())
                items.append(try list.decode(String.self))
            }
            self.list = items
            #expect(throws: DecodingError.self) { _ = try list.decode(String.self) }
        }
    }

    @Test("nested keyed/unkeyed containers, nil entries and out-of-order reads")
    func manual() throws {
        let value = Manual(a: -3, list: ["x", "", "zz"], point: (x: 1, y: -1), tail: true)
        #expect(try roundTrip(value) == value)
    }

    @Test("writing to a closed container throws instead of corrupting the output")
    func interleavingIsRejected() {
        struct Interleaved: Encodable {
            enum Keys: String, CodingKey { case a, b, c }
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: Keys.self)
                var nested = container.nestedContainer(keyedBy: Keys.self, forKey: .a)
                try nested.encode(1, forKey: .a)
                try container.encode(2, forKey: .b)
                try nested.encode(3, forKey: .c)
            }
        }
        #expect(throws: EncodingError.self) { _ = try BinaryEncoder().encode(Interleaved()) }
    }

    @Test("a second single value is rejected")
    func doubleSingleValue() {
        struct Twice: Encodable {
            func encode(to encoder: any Encoder) throws {
                var container = encoder.singleValueContainer()
                try container.encode(1)
                try container.encode(2)
            }
        }
        #expect(throws: EncodingError.self) { _ = try BinaryEncoder().encode(Twice()) }
    }

    @Test("an error inside a nested value rolls back and restores the writer")
    func failedEncodeRestoresWriter() throws {
        struct Fails: Encodable {
            struct Boom: Error {}
            func encode(to encoder: any Encoder) throws {
                var container = encoder.unkeyedContainer()
                try container.encode("partial")
                throw Boom()
            }
        }
        struct Recovers: Encodable {
            enum Keys: String, CodingKey { case a, b }
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: Keys.self)
                _ = try? container.encode(Fails(), forKey: .a)
                try container.encode(7, forKey: .b)
            }
        }
        var writer = ByteWriter()
        writer.writeByte(1)
        #expect(throws: Fails.Boom.self) { try BinaryEncoder().encode([Fails()], into: &writer) }
        #expect(writer.bytes == [1])
        let bytes = try BinaryEncoder().encode(Recovers())
        struct OnlyB: Decodable, Equatable { var b: Int }
        #expect(try BinaryDecoder().decode(OnlyB.self, from: bytes) == OnlyB(b: 7))
        #expect(try BinaryDecoder().decode([String: Int].self, from: bytes) == ["b": 7])
    }

    @Test("unkeyed superEncoder and superDecoder")
    func unkeyedSuper() throws {
        struct Holder: Codable, Equatable {
            var animalName: String
            init(animalName: String) { self.animalName = animalName }
            func encode(to encoder: any Encoder) throws {
                var container = encoder.unkeyedContainer()
                try Animal(name: animalName).encode(to: container.superEncoder())
                _ = container.superEncoder() // Left empty: becomes an empty keyed container.
                try container.encode(1)
            }
            init(from decoder: any Decoder) throws {
                var container = try decoder.unkeyedContainer()
                animalName = try Animal(from: try container.superDecoder()).name
                _ = try container.superDecoder()
                #expect(try container.decode(Int.self) == 1)
            }
        }
        #expect(try roundTrip(Holder(animalName: "Felix")) == Holder(animalName: "Felix"))
    }
}
