import Glibc
import KeelCodec

/// The local actors one connection's calls were addressed to recently (loop thread only).
///
/// A peer calls the same few actors over and over. Recognising the path's raw bytes costs one
/// comparison; reading it as a string and looking it up in the registry (under its lock, hashing
/// the string) cost more than the rest of the call's parsing. An entry is trusted only while the
/// registry is at the generation the entry was found in, so an actor registered, replaced or
/// resigned since is looked up afresh. Bounded: distinct paths only evict entries, round-robin.
struct RecipientCache {
    private struct Entry {
        let encoded: [UInt8]
        let path: String
        let actor: any LocalActorEntry
        let generation: UInt64
    }

    static let capacity = 8
    /// The longest path a call may name.
    static let maxPathLength = 1024
    private var entries: [Entry] = []
    private var nextEviction = 0

    /// How many recipients are remembered.
    var count: Int { entries.count }

    /// Reads a call's recipient path from `reader`; returns it with the actor registered there at
    /// `generation` of the registry, or nil when there is none (`lookup` finds it on a miss).
    mutating func read(_ reader: inout ByteReader, generation: UInt64,
                       lookup: (String) -> (any LocalActorEntry)?) throws -> (path: String, actor: (any LocalActorEntry)?) {
        var probe = reader
        if let length = try? probe.readVarUInt(), length <= UInt64(Self.maxPathLength),
           let bytes = try? probe.readRaw(count: Int(length)) {
            let hit = bytes.withUnsafeBytes { key in
                entries.first { entry in
                    entry.generation == generation && entry.encoded.count == key.count && entry.encoded.withUnsafeBytes { cached in
                        key.isEmpty || memcmp(cached.baseAddress!, key.baseAddress!, key.count) == 0
                    }
                }
            }
            if let hit {
                reader = probe
                return (hit.path, hit.actor)
            }
        }
        let path = try reader.readString(maxLength: Self.maxPathLength)
        guard let actor = lookup(path) else { return (path, nil) }
        let entry = Entry(encoded: Array(path.utf8), path: path, actor: actor, generation: generation)
        if entries.count < Self.capacity {
            entries.append(entry)
        } else {
            entries[nextEviction] = entry
            nextEviction = (nextEviction + 1) % Self.capacity
        }
        return (path, actor)
    }
}
