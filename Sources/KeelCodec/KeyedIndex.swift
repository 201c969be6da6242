/// One entry of a scanned keyed container: where its key bytes and its value start.
struct KeyedEntry {
    let keyStart: Int
    let keyLength: Int
    let valueStart: Int
    /// The first (up to) eight key bytes, little-endian, for quick mismatch rejection.
    let prefix: UInt64
}

/// The fixed part of a ``KeyedIndex``.
struct KeyedHeader {
    let state: DecoderState
    /// Offset of the container's tag byte.
    let start: Int
    /// Offset just past the container's last entry.
    var end: Int
    /// Number of containers enclosing the container's values.
    let depth: Int
    /// Length of the shared coding-path prefix (see `DecoderState.withPath`).
    let basePath: Int
    /// Path components below `basePath` that are not on the shared stack (nested containers).
    let extra: [any CodingKey]
    /// Initialized entries.
    var count = 0
    /// Where the next lookup starts (the last match), so in-order reads hit on the first compare.
    var hint = 0
    /// Key-to-entry map, built for containers with more than `dictionaryThreshold` entries.
    var lookup: [String: Int]?
}

/// The index of a keyed container, built by scanning it once: the header plus one tail-allocated
/// ``KeyedEntry`` per entry, in a single allocation.
///
/// Keys are compared as raw UTF-8 bytes; small containers are searched linearly starting at the
/// last match, containers with more than ``dictionaryThreshold`` entries get a `[String: Int]`
/// index. Duplicate keys and keys that are not UTF-8 are rejected during the scan.
final class KeyedIndex: ManagedBuffer<KeyedHeader, KeyedEntry> {
    /// Above this many entries, lookups go through a dictionary instead of a linear scan.
    static let dictionaryThreshold = 16

    /// Scans the keyed container at `offset`, itself enclosed by `depth` containers.
    static func scan(
        state: DecoderState, at offset: Int, depth: Int, basePath: Int, extra: [any CodingKey]
    ) throws(WireError) -> KeyedIndex {
        let buffer = state.buffer
        let tag = try state.scalars.tag(at: offset)
        guard tag == WireTag.keyed else { throw state.scalars.mismatch("keyed container", tag: tag, at: offset) }
        var pos = offset &+ 1
        let count = try WireScan.containerCount(buffer, &pos, keyed: true, nesting: depth &+ 1, limits: state.limits)
        let header = KeyedHeader(state: state, start: offset, end: pos, depth: depth &+ 1, basePath: basePath, extra: extra)
        // `create` returns an instance of the class it is called on, so the downcast is exact.
        let index = unsafeDowncast(create(minimumCapacity: count) { _ in header }, to: KeyedIndex.self)
        try index.withUnsafeMutablePointers { (header, entries) throws(WireError) in
            for _ in 0..<count {
                let entry = try scanEntry(state: state, buffer: buffer, at: &pos, depth: depth &+ 1)
                (entries + header.pointee.count).initialize(to: entry)
                header.pointee.count &+= 1
            }
            header.pointee.end = pos
            if count > dictionaryThreshold {
                header.pointee.lookup = try buildLookup(buffer, UnsafeBufferPointer(start: entries, count: count))
            } else {
                try rejectDuplicates(buffer, UnsafeBufferPointer(start: entries, count: count))
            }
        }
        state.recordEnd(start: offset, end: pos)
        return index
    }

    deinit {
        _ = withUnsafeMutablePointers { header, entries in
            entries.deinitialize(count: header.pointee.count)
        }
    }

    /// Reads one (key, value) entry at `pos`; the value is skipped.
    @inline(__always)
    private static func scanEntry(
        state: DecoderState, buffer: UnsafeBufferPointer<UInt8>, at pos: inout Int, depth: Int
    ) throws(WireError) -> KeyedEntry {
        let lengthOffset = pos
        let keyLength = try WireScan.length(buffer, &pos)
        guard keyLength <= state.limits.maxStringLength else {
            throw WireError.limitExceeded(
                "key length \(keyLength) at offset \(lengthOffset) exceeds the limit \(state.limits.maxStringLength)")
        }
        let keyStart = pos
        pos &+= keyLength
        guard WireScan.isValidUTF8(buffer, keyStart..<pos) else { throw WireError.invalidUTF8(offset: keyStart) }
        let entry = KeyedEntry(
            keyStart: keyStart, keyLength: keyLength, valueStart: pos,
            prefix: prefixWord(UnsafeBufferPointer(rebasing: buffer[keyStart..<pos])))
        try WireScan.skipScalarOrValue(buffer, &pos, depth: depth, limits: state.limits, scratch: &state.skipScratch)
        return entry
    }

    /// The first (up to) eight bytes of `key`, little-endian.
    @inline(__always)
    static func prefixWord(_ key: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var word: UInt64 = 0
        var index = 0
        let count = min(key.count, 8)
        while index < count {
            word |= UInt64(key[index]) << (UInt64(index) &* 8)
            index &+= 1
        }
        return word
    }

    @inline(__always)
    private static func keyEquals(
        _ buffer: UnsafeBufferPointer<UInt8>, _ entry: KeyedEntry, _ key: UnsafeBufferPointer<UInt8>, prefix: UInt64
    ) -> Bool {
        entry.keyLength == key.count && entry.prefix == prefix && tailEquals(buffer, entry, key)
    }

    private static func rejectDuplicates(
        _ buffer: UnsafeBufferPointer<UInt8>, _ entries: UnsafeBufferPointer<KeyedEntry>
    ) throws(WireError) {
        guard entries.count > 1 else { return }
        for later in 1..<entries.count {
            let entry = entries[later]
            let key = UnsafeBufferPointer(rebasing: buffer[entry.keyStart..<(entry.keyStart &+ entry.keyLength)])
            for earlier in 0..<later where keyEquals(buffer, entries[earlier], key, prefix: entry.prefix) {
                throw WireError.duplicateKey(string(buffer, entry), offset: entry.keyStart)
            }
        }
    }

    private static func buildLookup(
        _ buffer: UnsafeBufferPointer<UInt8>, _ entries: UnsafeBufferPointer<KeyedEntry>
    ) throws(WireError) -> [String: Int] {
        var lookup: [String: Int] = [:]
        lookup.reserveCapacity(entries.count)
        for (index, entry) in entries.enumerated() {
            let name = string(buffer, entry)
            if lookup.updateValue(index, forKey: name) != nil {
                throw WireError.duplicateKey(name, offset: entry.keyStart)
            }
        }
        return lookup
    }

    /// The (already validated) key of `entry` as a `String`.
    static func string(_ buffer: UnsafeBufferPointer<UInt8>, _ entry: KeyedEntry) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: buffer[entry.keyStart..<(entry.keyStart &+ entry.keyLength)]),
               as: UTF8.self)
    }
}
