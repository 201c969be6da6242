import Distributed
import Glibc
import KeelCodec
import Synchronization

/// A call target as it arrived on one connection: its name and generic substitutions parsed
/// once, plus a slot for the ``TargetPlan`` the first execution computes.
///
/// A peer names the same few targets over and over; parsing them anew means two string
/// validations and allocations, and finding the plan means building a key and hashing some
/// hundred bytes, on every call. Recognising the raw bytes instead costs one comparison.
final class CallTarget: Sendable {
    /// The target's encoded bytes (name and substitutions), as the connection sent them.
    let encoded: [UInt8]
    /// The target's mangled name.
    let name: String
    let genericSubstitutions: [String]
    /// Filled by the first execution; plans never change, so a racing second fill is harmless.
    let plan = Mutex<TargetPlan?>(nil)

    init(encoded: [UInt8], name: String, genericSubstitutions: [String]) {
        self.encoded = encoded
        self.name = name
        self.genericSubstitutions = genericSubstitutions
    }
}

/// The targets one connection used recently (loop thread only). Small and bounded: a peer that
/// sends endless distinct names only evicts entries, round-robin.
struct CallTargetCache {
    static let capacity = 32
    private var entries: [CallTarget] = []
    private var nextEviction = 0

    /// How many targets are remembered.
    var count: Int { entries.count }

    /// Reads the target section of a call frame (`target str, generics [str]`) from `reader`,
    /// reusing the entry for identical bytes.
    mutating func read(_ reader: inout ByteReader, maxGenerics: Int = 16) throws -> CallTarget {
        // Measure the section without materialising strings: its bytes are the cache key.
        var probe = reader
        let nameLength = try probe.readVarUInt()
        guard nameLength <= 4096 else { throw WireError.limitExceeded("target name of \(nameLength) bytes exceeds the limit 4096") }
        _ = try probe.readRaw(count: Int(nameLength))
        let genericCount = try probe.readVarUInt()
        guard genericCount <= UInt64(maxGenerics) else {
            throw WireError.limitExceeded("\(genericCount) generic substitutions exceed the limit \(maxGenerics)")
        }
        for _ in 0..<genericCount {
            let length = try probe.readVarUInt()
            guard length <= 4096 else { throw WireError.limitExceeded("generic substitution of \(length) bytes exceeds the limit 4096") }
            _ = try probe.readRaw(count: Int(length))
        }
        let section = try reader.readRaw(count: reader.remaining - probe.remaining)
        let hit = section.withUnsafeBytes { key in
            entries.first { entry in
                entry.encoded.count == key.count && entry.encoded.withUnsafeBytes { cached in
                    key.isEmpty || memcmp(cached.baseAddress!, key.baseAddress!, key.count) == 0
                }
            }
        }
        if let hit { return hit }

        var parser = ByteReader(section)
        let name = try parser.readString(maxLength: 4096)
        _ = try parser.readVarUInt()  // the count, already read by the probe
        var generics: [String] = []
        for _ in 0..<genericCount { generics.append(try parser.readString(maxLength: 4096)) }
        let entry = CallTarget(encoded: Array(section), name: name, genericSubstitutions: generics)
        if entries.count < Self.capacity {
            entries.append(entry)
        } else {
            entries[nextEviction] = entry
            nextEviction = (nextEviction + 1) % Self.capacity
        }
        return entry
    }
}
