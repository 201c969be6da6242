import Foundation
import Testing
import KeelCodec

/// Seeded, reproducible fuzzing: decoding arbitrary bytes must either succeed or throw — never
/// trap, hang or allocate without bound.
///
/// The iteration count comes from `KEEL_FUZZ_ITERATIONS` (default 12,000: about 2 s in a debug build).
/// The long run is 1,000,000 or more:
/// `KEEL_FUZZ_ITERATIONS=1000000 swift test -c release --filter KeelCodecTests`.
/// `KEEL_FUZZ_SEED` changes the seed (default 0x4B45454C).
@Suite("Fuzz")
struct FuzzTests {
    static var iterations: Int {
        ProcessInfo.processInfo.environment["KEEL_FUZZ_ITERATIONS"].flatMap(Int.init) ?? 12_000
    }

    static var seed: UInt64 {
        ProcessInfo.processInfo.environment["KEEL_FUZZ_SEED"].flatMap { UInt64($0) } ?? 0x4B45_454C
    }

    /// Valid messages the mutations start from.
    static func corpus() throws -> [[UInt8]] {
        let encoder = BinaryEncoder()
        return [
            try encoder.encode(Envelope(
                callID: 7, target: "node/actor", method: "run", arguments: [1, 2, 3], deadlineNanos: -5,
                headers: ["a": "b", "trace": "xyz"])),
            try encoder.encode(Nested(
                inner: Inner(name: "i", value: 3), list: [Inner(name: "", value: nil)], optionals: [nil, 2],
                maybeInner: Inner(name: "m", value: nil), byName: ["k": Inner(name: "v", value: 1)],
                byNumber: [1: "one"], data: Data([1]), bytes: [2], matrix: [[1], []],
                shapes: [.group([.circle(radius: 1), .labeled("x", 1)]), .empty], color: .blue, nestedOptional: 1)),
            try encoder.encode(Primitives.maximum),
            try encoder.encode([Shape.rect(width: 1, height: 2), .group([.group([.empty])])]),
            try encoder.encode(DeepList(depth: 10)),
            // Over 4 KiB, so the decoder's skip memo is exercised too.
            try encoder.encode(Tree.make(depth: 12, width: 2, wideLevels: 3, blobSize: 40)),
        ]
    }

    /// Decodes `bytes` into several realistic types; each must succeed or throw.
    static func decodeAll(_ bytes: [UInt8]) {
        let decoder = BinaryDecoder()
        _ = try? decoder.decode(Envelope.self, from: bytes)
        _ = try? decoder.decode(Nested.self, from: bytes)
        _ = try? decoder.decode(Primitives.self, from: bytes)
        _ = try? decoder.decode([Shape].self, from: bytes)
        _ = try? decoder.decode(DeepList.self, from: bytes)
        _ = try? decoder.decode(Tree.self, from: bytes)
        _ = try? decoder.decode(ReorderedTree.self, from: bytes)
        _ = try? decoder.decode([String: [Int?]].self, from: bytes)
        _ = try? decoder.decode([String: String].self, from: bytes)
        _ = try? decoder.decode(Data.self, from: bytes)
        var reader = ByteReader(bytes)
        while !reader.isAtEnd {
            guard (try? reader.readString()) != nil || (try? reader.readVarUInt()) != nil else { break }
        }
    }

    /// Lets the other tests' tasks run every few hundred iterations: the suite runs tests concurrently
    /// on the two threads of the cooperative pool, and seconds of uninterrupted decoding on both would
    /// stall every test waiting for a timer or a reply (heartbeat and deadline checks then misfire).
    static func yieldNowAndThen(_ iteration: Int) async {
        if iteration % 256 == 255 { await Task.yield() }
    }

    @Test("random bytes")
    func randomBytes() async {
        var rng = SplitMix64(seed: Self.seed)
        let tags: [UInt8] = Array(0...12)
        for iteration in 0..<Self.iterations {
            await Self.yieldNowAndThen(iteration)
            let length = Int.random(in: 0...48, using: &rng)
            var bytes = [UInt8](repeating: 0, count: length)
            for index in bytes.indices {
                // Bias towards tags and small lengths so the decoders get past the first byte.
                bytes[index] = Bool.random(using: &rng) ? tags.randomElement(using: &rng) ?? 0 : UInt8.random(in: 0...255, using: &rng)
            }
            Self.decodeAll(bytes)
        }
    }

    @Test("mutations of valid encodings")
    func mutations() async throws {
        var rng = SplitMix64(seed: Self.seed ^ 0xA5A5)
        let corpus = try Self.corpus()
        for iteration in 0..<Self.iterations {
            await Self.yieldNowAndThen(iteration)
            guard var bytes = corpus.randomElement(using: &rng), !bytes.isEmpty else { continue }
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let position = Int.random(in: 0..<bytes.count, using: &rng)
                switch Int.random(in: 0..<6, using: &rng) {
                case 0: // bit flip
                    bytes[position] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
                case 1: // random byte
                    bytes[position] = UInt8.random(in: 0...255, using: &rng)
                case 2: // truncate
                    bytes.removeSubrange(position...)
                case 3: // insert a huge length
                    var huge = ByteWriter()
                    huge.writeVarUInt(UInt64.random(in: (1 << 32)...UInt64.max, using: &rng))
                    bytes.insert(contentsOf: huge.bytes, at: position)
                case 4: // duplicate a chunk
                    let end = min(bytes.count, position + Int.random(in: 1...8, using: &rng))
                    bytes.insert(contentsOf: bytes[position..<end], at: position)
                default: // delete a byte
                    bytes.remove(at: position)
                }
                if bytes.isEmpty { break }
            }
            Self.decodeAll(bytes)
        }
    }

    @Test("truncations of every corpus message fail cleanly")
    func truncations() throws {
        for message in try Self.corpus() {
            // Every position of small messages; an even spread of 100 positions of large ones.
            let step = max(1, message.count / 100)
            for length in stride(from: 0, to: message.count, by: step) {
                let prefix = Array(message[..<length])
                Self.decodeAll(prefix)
                #expect(throws: WireError.self) { _ = try BinaryDecoder().decode(DeepList.self, from: prefix) }
            }
        }
    }

    @Test("decoded values re-encode to something that decodes to the same value")
    func reencode() async throws {
        var rng = SplitMix64(seed: Self.seed ^ 0x5A5A)
        let corpus = try Self.corpus()
        for iteration in 0..<Self.iterations {
            await Self.yieldNowAndThen(iteration)
            guard var bytes = corpus.first else { return }
            let position = Int.random(in: 0..<bytes.count, using: &rng)
            bytes[position] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
            guard let envelope = try? BinaryDecoder().decode(Envelope.self, from: bytes) else { continue }
            #expect(try roundTrip(envelope) == envelope)
        }
    }

    @Test("nesting bombs and huge lengths, decoded into every fuzz type")
    func bombs() {
        for tag in [Tag.unkeyed, Tag.keyed] {
            var bomb: [UInt8] = []
            for _ in 0..<100_000 {
                bomb += tag == Tag.keyed ? [tag, 1, 0] : [tag, 1]
            }
            bomb.append(Tag.null)
            Self.decodeAll(bomb)
        }
        for tag in [Tag.unkeyed, Tag.keyed, Tag.string, Tag.bytes] {
            var huge = ByteWriter()
            huge.writeByte(tag)
            huge.writeVarUInt(.max)
            Self.decodeAll(huge.bytes)
            huge.writeRaw(Array(repeating: Tag.null, count: 64))
            Self.decodeAll(huge.bytes)
        }
    }
}
