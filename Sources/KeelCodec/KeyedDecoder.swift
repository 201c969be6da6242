/// The keyed decoding container: a scanned ``KeyedIndex`` plus the context to decode its values.
///
/// Entries may appear in any order; unknown entries are ignored (they were validated structurally
/// and skipped during the scan).
struct KeyedDecoder<Key: CodingKey>: KeyedDecodingContainerProtocol {
    /// The scanned container; a single reference so copying the container is cheap.
    let index: KeyedIndex

    /// Scans the keyed container at `offset`, itself enclosed by `depth` containers.
    init(state: DecoderState, at offset: Int, depth: Int, basePath: Int, extra: [any CodingKey]) throws {
        index = try KeyedIndex.scan(state: state, at: offset, depth: depth, basePath: basePath, extra: extra)
    }

    private var state: DecoderState { index.state }

    var codingPath: [any CodingKey] {
        Array(state.codingPath.prefix(index.basePath)) + index.extra
    }

    var allKeys: [Key] {
        index.allKeyStrings().compactMap { Key(stringValue: $0) }
    }

    func contains(_ key: Key) -> Bool {
        index.valueStart(of: key.stringValue) != nil
    }

    /// The value offset for `key`, or a ``WireError/missingKey(_:)`` error naming its path.
    @inline(__always)
    private func valueStart(_ key: Key) throws -> Int {
        guard let start = index.valueStart(of: key.stringValue) else {
            throw state.missingKey(key, path: codingPath)
        }
        return start
    }

    /// Decodes a scalar with `read`.
    @inline(__always)
    private func scalar<R>(_ key: Key, _ read: (ScalarReader, inout Int) throws -> R) throws -> R {
        var pos = try valueStart(key)
        return try read(state.scalars, &pos)
    }

    /// Decodes a scalar with `read`, or returns `nil` if the key is absent or its value is `nil`.
    @inline(__always)
    func scalarIfPresent<R>(_ key: Key, _ read: (ScalarReader, inout Int) throws -> R) throws -> R? {
        guard var pos = index.valueStart(of: key.stringValue), try !state.scalars.isNil(at: pos) else {
            return nil
        }
        return try read(state.scalars, &pos)
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        try state.scalars.isNil(at: try valueStart(key))
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try scalar(key) { try $0.readBool(at: &$1) } }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try scalar(key) { try $0.readString(at: &$1) } }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try scalar(key) { try $0.readDouble(at: &$1) } }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try scalar(key) { try $0.readFloat(at: &$1) } }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try scalar(key) { try $0.readInteger(Int.self, at: &$1) } }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try scalar(key) { try $0.readInteger(Int8.self, at: &$1) } }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try scalar(key) { try $0.readInteger(Int16.self, at: &$1) } }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try scalar(key) { try $0.readInteger(Int32.self, at: &$1) } }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try scalar(key) { try $0.readInteger(Int64.self, at: &$1) } }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try scalar(key) { try $0.readInteger(UInt.self, at: &$1) } }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try scalar(key) { try $0.readInteger(UInt8.self, at: &$1) } }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try scalar(key) { try $0.readInteger(UInt16.self, at: &$1) } }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try scalar(key) { try $0.readInteger(UInt32.self, at: &$1) } }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try scalar(key) { try $0.readInteger(UInt64.self, at: &$1) } }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try decodeValue(T.self, at: try valueStart(key), key: key)
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard let pos = index.valueStart(of: key.stringValue), try !state.scalars.isNil(at: pos) else {
            return nil
        }
        return try decodeValue(T.self, at: pos, key: key)
    }

    /// Decodes a value of any type at `pos`, with `key` appended to the coding path.
    private func decodeValue<T: Decodable>(_ type: T.Type, at pos: Int, key: Key) throws -> T {
        var cursor = pos
        let kind = PrimitiveKind.of(T.self)
        if kind != .none {
            return try state.scalars.readPrimitive(kind, as: T.self, at: &cursor, depth: index.depth)
        }
        let state = self.state
        let depth = index.depth
        let value = try state.withPath(base: index.basePath, extra: index.extra) {
            try state.decodeValue(T.self, at: &cursor, depth: depth, key: key)
        }
        // Re-record this container's end: nested values overwrote the record.
        state.recordEnd(start: index.start, end: index.end)
        return value
    }

    func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type, forKey key: Key
    ) throws -> KeyedDecodingContainer<NestedKey> {
        let nested = try KeyedDecoder<NestedKey>(
            state: state, at: try valueStart(key), depth: index.depth, basePath: index.basePath,
            extra: index.extra + [key])
        state.recordEnd(start: index.start, end: index.end)
        return KeyedDecodingContainer(nested)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        return try UnkeyedDecoder(
            state: state, at: try valueStart(key), depth: index.depth, basePath: index.basePath,
            extra: index.extra + [key])
    }

    func superDecoder() throws -> any Decoder {
        try detached(WireKey.superKey)
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        try detached(key)
    }

    private func detached(_ key: some CodingKey) throws -> any Decoder {
        guard let start = index.valueStart(of: key.stringValue) else {
            throw state.missingKey(key, path: codingPath)
        }
        return DetachedDecoder(state: state, offset: start, depth: index.depth, path: codingPath + [key])
    }
}
