import Foundation
import KeelCodec

/// A typical RPC envelope.
struct Envelope: Codable, Equatable {
    var callID: UInt64
    var target: String
    var method: String
    var arguments: [UInt8]
    var deadlineNanos: Int64?
    var headers: [String: String]
}

enum Shape: Codable, Equatable {
    case circle(radius: Double)
    case rect(width: Double, height: Double)
    case empty
    case labeled(String, Int)
    indirect case group([Shape])
}

enum Color: String, Codable, Equatable {
    case red, green, blue
}

struct Inner: Codable, Equatable {
    var name: String
    var value: Int?
}

struct Nested: Codable, Equatable {
    var inner: Inner
    var list: [Inner]
    var optionals: [Int?]
    var maybeInner: Inner?
    var byName: [String: Inner]
    var byNumber: [Int: String]
    var data: Data
    var bytes: [UInt8]
    var matrix: [[Int]]
    var shapes: [Shape]
    var color: Color
    var nestedOptional: Int??
}

/// Every primitive the `Codable` containers have a dedicated method for.
struct Primitives: Codable, Equatable {
    var bool: Bool
    var int: Int
    var int8: Int8
    var int16: Int16
    var int32: Int32
    var int64: Int64
    var uint: UInt
    var uint8: UInt8
    var uint16: UInt16
    var uint32: UInt32
    var uint64: UInt64
    var float: Float
    var double: Double
    var string: String

    static let minimum = Primitives(
        bool: false, int: .min, int8: .min, int16: .min, int32: .min, int64: .min, uint: .min,
        uint8: .min, uint16: .min, uint32: .min, uint64: .min, float: -.greatestFiniteMagnitude,
        double: -.infinity, string: "")
    static let maximum = Primitives(
        bool: true, int: .max, int8: .max, int16: .max, int32: .max, int64: .max, uint: .max,
        uint8: .max, uint16: .max, uint32: .max, uint64: .max, float: .infinity,
        double: .greatestFiniteMagnitude, string: "héllo wörld ✓ 日本語 👩‍👩‍👧‍👦 🇨🇭")
}

/// Nests unkeyed containers `depth` levels deep: `[[[...]]]`.
struct DeepList: Codable, Equatable {
    var depth: Int

    init(depth: Int) { self.depth = depth }

    init(from decoder: any Decoder) throws {
        var container = try decoder.unkeyedContainer()
        depth = container.isAtEnd ? 1 : try container.decode(DeepList.self).depth + 1
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.unkeyedContainer()
        if depth > 1 {
            try container.encode(DeepList(depth: depth - 1))
        }
    }
}

class Animal: Codable {
    var name: String

    init(name: String) { self.name = name }

    private enum CodingKeys: String, CodingKey { case name }

    required init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
    }
}

/// Stores its superclass under `superEncoder()`.
final class Dog: Animal {
    var breed: String

    init(name: String, breed: String) {
        self.breed = breed
        super.init(name: name)
    }

    private enum CodingKeys: String, CodingKey { case breed }

    required init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        breed = try container.decode(String.self, forKey: .breed)
        try super.init(from: container.superDecoder())
    }

    override func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(breed, forKey: .breed)
        try super.encode(to: container.superEncoder())
    }
}

/// Shares its encoder with its superclass (both write into the same keyed container).
final class Cat: Animal {
    var lives: Int

    init(name: String, lives: Int) {
        self.lives = lives
        super.init(name: name)
    }

    private enum CodingKeys: String, CodingKey { case lives }

    required init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        lives = try container.decode(Int.self, forKey: .lives)
        try super.init(from: decoder)
    }

    override func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(lives, forKey: .lives)
        try super.encode(to: encoder)
    }
}

/// A deterministic, seedable PRNG (SplitMix64) so fuzz failures are reproducible.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func roundTrip<T: Codable>(_ value: T) throws -> T {
    let bytes = try BinaryEncoder().encode(value)
    return try BinaryDecoder().decode(T.self, from: bytes)
}

/// Captures the thrown error (or `nil`).
func thrownError(_ body: () throws -> Void) -> (any Error)? {
    do {
        try body()
        return nil
    } catch {
        return error
    }
}

func wireError(_ body: () throws -> Void) -> WireError? {
    thrownError(body) as? WireError
}

/// The wire tags, restated here so the tests also pin the format (and run without `@testable`,
/// e.g. in release builds).
enum Tag {
    static let null: UInt8 = 0x01
    static let bool0: UInt8 = 0x02
    static let bool1: UInt8 = 0x03
    static let signed: UInt8 = 0x04
    static let unsigned: UInt8 = 0x05
    static let float64: UInt8 = 0x06
    static let float32: UInt8 = 0x07
    static let string: UInt8 = 0x08
    static let bytes: UInt8 = 0x09
    static let unkeyed: UInt8 = 0x0A
    static let keyed: UInt8 = 0x0B
}

/// A recursive type for large, deep messages (which enable the decoder's skip memo).
struct Tree: Codable, Equatable {
    var label: String
    var children: [String: Tree]
    var blob: [UInt8]

    /// A tree `depth` levels deep with `width` children per level on the first `wideLevels` levels.
    static func make(depth: Int, width: Int, wideLevels: Int, blobSize: Int) -> Tree {
        guard depth > 1 else { return Tree(label: "leaf", children: [:], blob: Array(repeating: 7, count: blobSize)) }
        let count = wideLevels > 0 ? width : 1
        var children: [String: Tree] = [:]
        for index in 0..<count {
            children["c\(index)"] = make(depth: depth - 1, width: width, wideLevels: wideLevels - 1, blobSize: blobSize)
        }
        return Tree(label: "d\(depth)", children: children, blob: Array(repeating: UInt8(depth), count: blobSize))
    }
}

/// `Tree` with its fields in another order and without `blob`, to force out-of-order lookups and skips.
struct ReorderedTree: Codable, Equatable {
    var children: [String: ReorderedTree]
    var label: String
}
