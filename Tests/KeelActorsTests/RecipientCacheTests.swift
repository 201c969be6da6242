import Distributed
import KeelCodec
import Synchronization
import Testing
@testable import KeelActors

/// The per-connection cache of call recipients: the registry is consulted once per path and registry
/// generation, never reused across a registry change or for other bytes, and hostile paths are refused.
@Suite struct RecipientCacheTests {
    /// A registry entry that only says which path it was found for.
    struct Found: LocalActorEntry {
        let path: String
        var actor: (any DistributedActor)? { nil }
        func execute(system: KeelActorSystem, call: CallTarget, decoder: inout KeelInvocationDecoder, handler: KeelResultHandler) async throws {}
    }

    /// A registry that counts its lookups; `missing` paths have no actor.
    final class Registry: Sendable {
        let lookups = Mutex(0)
        let missing: Set<String>
        init(missing: Set<String> = []) { self.missing = missing }
        func lookup(_ path: String) -> (any LocalActorEntry)? {
            lookups.withLock { $0 += 1 }
            return missing.contains(path) ? nil : Found(path: path)
        }
    }

    /// A call's path followed by `trailer` (where the target section would start).
    private func frame(_ path: String, trailer: [UInt8] = [0xEE]) -> [UInt8] {
        var writer = ByteWriter(capacity: 64)
        writer.writeString(path)
        writer.writeRaw(trailer)
        return writer.bytes
    }

    private func read(_ cache: inout RecipientCache, _ bytes: [UInt8], generation: UInt64, _ registry: Registry) throws -> (String, String?, Int) {
        var reader = ByteReader(bytes[...])
        let (path, actor) = try cache.read(&reader, generation: generation, lookup: registry.lookup)
        return (path, (actor as? Found)?.path, reader.remaining)
    }

    @Test func aPathIsLookedUpOncePerGenerationAndTheReaderLeftAfterIt() throws {
        var cache = RecipientCache()
        let registry = Registry()
        let bytes = frame("echo", trailer: [1, 2, 3])
        for _ in 0..<3 {
            let (path, found, remaining) = try read(&cache, bytes, generation: 7, registry)
            #expect(path == "echo" && found == "echo" && remaining == 3)
        }
        #expect(registry.lookups.withLock { $0 } == 1)
        // The registry changed: look again.
        _ = try read(&cache, bytes, generation: 8, registry)
        #expect(registry.lookups.withLock { $0 } == 2)
    }

    @Test func otherPathsAndMissingActorsAreNeverServedFromTheCache() throws {
        var cache = RecipientCache()
        let registry = Registry(missing: ["gone"])
        #expect(try read(&cache, frame("a"), generation: 1, registry).1 == "a")
        #expect(try read(&cache, frame("ab"), generation: 1, registry).1 == "ab")
        #expect(try read(&cache, frame("b"), generation: 1, registry).1 == "b")
        for _ in 0..<2 { #expect(try read(&cache, frame("gone"), generation: 1, registry).1 == nil) }
        #expect(registry.lookups.withLock { $0 } == 5)
    }

    @Test func manyDistinctPathsStayBoundedAndCorrect() throws {
        var cache = RecipientCache()
        let registry = Registry()
        for round in 0..<2 {
            for index in 0..<(RecipientCache.capacity * 3) {
                #expect(try read(&cache, frame("actor-\(index)"), generation: 1, registry).1 == "actor-\(index)", "round \(round)")
            }
        }
        #expect(cache.count == RecipientCache.capacity)
    }

    @Test func hostilePathsAreRefused() throws {
        var cache = RecipientCache()
        let registry = Registry()
        #expect(throws: WireError.self) { try read(&cache, frame(String(repeating: "x", count: RecipientCache.maxPathLength + 1)), generation: 1, registry) }
        var truncated = ByteReader([0x05, 0x61][...])
        #expect(throws: WireError.self) { try cache.read(&truncated, generation: 1, lookup: registry.lookup) }
        #expect(registry.lookups.withLock { $0 } == 0)
    }
}
