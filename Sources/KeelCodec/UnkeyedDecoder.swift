/// The unkeyed decoding container: a cursor over `count` consecutive values.
///
/// The element count was checked against the remaining bytes when the container was opened, and
/// every successful decode consumes at least one byte, so iteration is bounded by the input size.
struct UnkeyedDecoder: UnkeyedDecodingContainer {
    let state: DecoderState
    /// Offset of the container's tag byte.
    let start: Int
    let elementCount: Int
    /// Offset of the next element.
    var cursor: Int
    private(set) var currentIndex = 0
    /// Number of containers enclosing this container's elements.
    let depth: Int
    let basePath: Int
    let extra: [any CodingKey]

    /// Opens the unkeyed container at `offset`, itself enclosed by `depth` containers.
    init(state: DecoderState, at offset: Int, depth: Int, basePath: Int, extra: [any CodingKey]) throws {
        let tag = try state.scalars.tag(at: offset)
        guard tag == WireTag.unkeyed else { throw state.scalars.mismatch("unkeyed container", tag: tag, at: offset) }
        var pos = offset &+ 1
        elementCount = try WireScan.containerCount(
            state.buffer, &pos, keyed: false, nesting: depth &+ 1, limits: state.limits)
        self.state = state
        start = offset
        cursor = pos
        self.depth = depth &+ 1
        self.basePath = basePath
        self.extra = extra
        if elementCount == 0 {
            state.recordEnd(start: offset, end: pos)
        }
    }

    var codingPath: [any CodingKey] { Array(state.codingPath.prefix(basePath)) + extra }
    var count: Int? { elementCount }
    var isAtEnd: Bool { currentIndex >= elementCount }

    @inline(__always)
    private func checkNotAtEnd(_ type: Any.Type) throws {
        if currentIndex >= elementCount {
            throw endError(type)
        }
    }

    private func endError(_ type: Any.Type) -> DecodingError {
        DecodingError.valueNotFound(type, DecodingError.Context(
            codingPath: codingPath + [IndexKey(currentIndex)],
            debugDescription: "unkeyed container at offset \(start) has only \(elementCount) element(s)"))
    }

    /// Moves to the next element (the cursor has already been advanced).
    @inline(__always)
    private mutating func advance() {
        currentIndex &+= 1
        if currentIndex == elementCount {
            state.recordEnd(start: start, end: cursor)
        }
    }

    @inline(__always)
    private mutating func scalar<R>(_ read: (ScalarReader, inout Int) throws -> R) throws -> R {
        try checkNotAtEnd(R.self)
        let value = try read(state.scalars, &cursor)
        advance()
        return value
    }

    mutating func decodeNil() throws -> Bool {
        try checkNotAtEnd(Never?.self)
        guard try state.scalars.readNil(at: &cursor) else { return false }
        advance()
        return true
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool { try scalar { try $0.readBool(at: &$1) } }
    mutating func decode(_ type: String.Type) throws -> String { try scalar { try $0.readString(at: &$1) } }
    mutating func decode(_ type: Double.Type) throws -> Double { try scalar { try $0.readDouble(at: &$1) } }
    mutating func decode(_ type: Float.Type) throws -> Float { try scalar { try $0.readFloat(at: &$1) } }
    mutating func decode(_ type: Int.Type) throws -> Int { try scalar { try $0.readInteger(Int.self, at: &$1) } }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try scalar { try $0.readInteger(Int8.self, at: &$1) } }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try scalar { try $0.readInteger(Int16.self, at: &$1) } }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try scalar { try $0.readInteger(Int32.self, at: &$1) } }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try scalar { try $0.readInteger(Int64.self, at: &$1) } }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try scalar { try $0.readInteger(UInt.self, at: &$1) } }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try scalar { try $0.readInteger(UInt8.self, at: &$1) } }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try scalar { try $0.readInteger(UInt16.self, at: &$1) } }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try scalar { try $0.readInteger(UInt32.self, at: &$1) } }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try scalar { try $0.readInteger(UInt64.self, at: &$1) } }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try checkNotAtEnd(T.self)
        let kind = PrimitiveKind.of(T.self)
        if kind != .none {
            let value = try state.scalars.readPrimitive(kind, as: T.self, at: &cursor, depth: depth)
            advance()
            return value
        }
        let key = IndexKey(currentIndex)
        var pos = cursor
        let state = self.state
        let depth = self.depth
        let value = try state.withPath(base: basePath, extra: extra) {
            try state.decodeValue(T.self, at: &pos, depth: depth, key: key)
        }
        cursor = pos
        advance()
        return value
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type
    ) throws -> KeyedDecodingContainer<NestedKey> {
        try checkNotAtEnd(KeyedDecodingContainer<NestedKey>.self)
        let nested = try KeyedDecoder<NestedKey>(
            state: state, at: cursor, depth: depth, basePath: basePath, extra: extra + [IndexKey(currentIndex)])
        cursor = nested.index.end
        advance()
        return KeyedDecodingContainer(nested)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try checkNotAtEnd((any UnkeyedDecodingContainer).self)
        let nested = try UnkeyedDecoder(
            state: state, at: cursor, depth: depth, basePath: basePath, extra: extra + [IndexKey(currentIndex)])
        try state.skipValue(at: &cursor, depth: depth)
        advance()
        return nested
    }

    mutating func superDecoder() throws -> any Decoder {
        try checkNotAtEnd((any Decoder).self)
        let decoder = DetachedDecoder(
            state: state, offset: cursor, depth: depth, path: codingPath + [IndexKey(currentIndex)])
        try state.skipValue(at: &cursor, depth: depth)
        advance()
        return decoder
    }
}
