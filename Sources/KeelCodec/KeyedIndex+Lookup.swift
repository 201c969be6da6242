extension KeyedIndex {
    // Header fields are read through the header pointer: `header` itself is a class property and
    // would pay for dynamic exclusivity checks on every access.

    /// The decoder state this container belongs to.
    var state: DecoderState { withUnsafeMutablePointerToHeader { $0.pointee.state } }
    /// Offset of the container's tag byte.
    var start: Int { withUnsafeMutablePointerToHeader { $0.pointee.start } }
    /// Offset just past the container.
    var end: Int { withUnsafeMutablePointerToHeader { $0.pointee.end } }
    /// Number of containers enclosing the container's values.
    var depth: Int { withUnsafeMutablePointerToHeader { $0.pointee.depth } }
    /// Length of the shared coding-path prefix.
    var basePath: Int { withUnsafeMutablePointerToHeader { $0.pointee.basePath } }
    /// Path components below `basePath`.
    var extra: [any CodingKey] { withUnsafeMutablePointerToHeader { $0.pointee.extra } }

    /// The value offset for the key `name`, or `nil` if the container has no such key.
    ///
    /// Returns `nil` if the state's buffer no longer covers the container (a decoder used after
    /// its `decode` call ended).
    func valueStart(of name: String) -> Int? {
        let buffer = state.buffer
        guard end <= buffer.count else { return nil }
        let lookup = withUnsafeMutablePointerToHeader { $0.pointee.lookup }
        if let lookup {
            guard let index = lookup[name] else { return nil }
            return withUnsafeMutablePointerToElements { $0[index].valueStart }
        }
        if let found = name.utf8.withContiguousStorageIfAvailable({ find($0, in: buffer) }) {
            return found
        }
        return Array(name.utf8).withUnsafeBufferPointer { find($0, in: buffer) }
    }

    /// Linear search starting at the last match, wrapping around.
    @inline(__always)
    private func find(_ key: UnsafeBufferPointer<UInt8>, in buffer: UnsafeBufferPointer<UInt8>) -> Int? {
        withUnsafeMutablePointers { header, entries in
            let count = header.pointee.count
            guard count > 0 else { return nil }
            let prefix = Self.prefixWord(key)
            var index = header.pointee.hint
            for _ in 0..<count {
                let entry = entries[index]
                if entry.keyLength == key.count, entry.prefix == prefix, Self.tailEquals(buffer, entry, key) {
                    header.pointee.hint = index
                    return entry.valueStart
                }
                index &+= 1
                if index == count { index = 0 }
            }
            return nil
        }
    }

    /// Compares the key bytes after the eight covered by the prefix word.
    @inline(__always)
    static func tailEquals(_ buffer: UnsafeBufferPointer<UInt8>, _ entry: KeyedEntry, _ key: UnsafeBufferPointer<UInt8>) -> Bool {
        var offset = 8
        while offset < key.count {
            if buffer[entry.keyStart &+ offset] != key[offset] { return false }
            offset &+= 1
        }
        return true
    }

    /// Every key in the container, in wire order (empty if the buffer is no longer valid).
    func allKeyStrings() -> [String] {
        let buffer = state.buffer
        guard end <= buffer.count else { return [] }
        return withUnsafeMutablePointers { header, entries in
            UnsafeBufferPointer(start: entries, count: header.pointee.count).map { Self.string(buffer, $0) }
        }
    }
}
