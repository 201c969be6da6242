/// The `Decoder` handed to `init(from:)`: it reads the one value at `offset` and doubles as that
/// value's single value container.
///
/// Its coding path is the first `pathLength` elements of the shared stack, which `decodeValue`
/// keeps intact for the duration of `init(from:)`. Kept to three words so passing it as
/// `any Decoder` does not allocate.
struct SlotDecoder: Decoder, SingleValueDecodingContainer {
    let state: DecoderState
    /// Offset of the value's tag byte.
    let offset: Int
    /// Number of containers enclosing the value.
    let depth: Int32
    let pathLength: Int32

    init(state: DecoderState, offset: Int, depth: Int, pathLength: Int) {
        self.state = state
        self.offset = offset
        self.depth = Int32(truncatingIfNeeded: depth)
        self.pathLength = Int32(truncatingIfNeeded: pathLength)
    }

    var codingPath: [any CodingKey] { Array(state.codingPath.prefix(Int(pathLength))) }
    var userInfo: [CodingUserInfoKey: Any] { state.userInfo }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(try KeyedDecoder<Key>(
            state: state, at: offset, depth: Int(depth), basePath: Int(pathLength), extra: []))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try UnkeyedDecoder(state: state, at: offset, depth: Int(depth), basePath: Int(pathLength), extra: [])
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

    // MARK: - SingleValueDecodingContainer

    @inline(__always)
    private func scalar<R>(_ read: (ScalarReader, inout Int) throws -> R) throws -> R {
        var pos = offset
        let value = try read(state.scalars, &pos)
        state.recordEnd(start: offset, end: pos)
        return value
    }

    func decodeNil() -> Bool {
        (try? state.scalars.isNil(at: offset)) ?? false
    }

    func decode(_ type: Bool.Type) throws -> Bool { try scalar { try $0.readBool(at: &$1) } }
    func decode(_ type: String.Type) throws -> String { try scalar { try $0.readString(at: &$1) } }
    func decode(_ type: Double.Type) throws -> Double { try scalar { try $0.readDouble(at: &$1) } }
    func decode(_ type: Float.Type) throws -> Float { try scalar { try $0.readFloat(at: &$1) } }
    func decode(_ type: Int.Type) throws -> Int { try scalar { try $0.readInteger(Int.self, at: &$1) } }
    func decode(_ type: Int8.Type) throws -> Int8 { try scalar { try $0.readInteger(Int8.self, at: &$1) } }
    func decode(_ type: Int16.Type) throws -> Int16 { try scalar { try $0.readInteger(Int16.self, at: &$1) } }
    func decode(_ type: Int32.Type) throws -> Int32 { try scalar { try $0.readInteger(Int32.self, at: &$1) } }
    func decode(_ type: Int64.Type) throws -> Int64 { try scalar { try $0.readInteger(Int64.self, at: &$1) } }
    func decode(_ type: UInt.Type) throws -> UInt { try scalar { try $0.readInteger(UInt.self, at: &$1) } }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try scalar { try $0.readInteger(UInt8.self, at: &$1) } }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try scalar { try $0.readInteger(UInt16.self, at: &$1) } }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try scalar { try $0.readInteger(UInt32.self, at: &$1) } }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try scalar { try $0.readInteger(UInt64.self, at: &$1) } }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        var pos = offset
        let value = try state.decodeValue(T.self, at: &pos, depth: Int(depth))
        state.recordEnd(start: offset, end: pos)
        return value
    }
}
