/// A decoder for a value reached through `superDecoder()`, which may be used after the call that
/// created it returned; it therefore carries its full coding path instead of sharing the stack.
struct DetachedDecoder: Decoder, SingleValueDecodingContainer {
    let state: DecoderState
    let offset: Int
    let depth: Int
    let codingPath: [any CodingKey]

    init(state: DecoderState, offset: Int, depth: Int, path: [any CodingKey]) {
        self.state = state
        self.offset = offset
        self.depth = depth
        codingPath = path
    }

    var userInfo: [CodingUserInfoKey: Any] { state.userInfo }

    /// The equivalent slot decoder, run with this decoder's path installed on the shared stack.
    private func withSlot<R>(_ body: (SlotDecoder) throws -> R) throws -> R {
        try state.withPath(base: 0, extra: codingPath) {
            try body(SlotDecoder(state: state, offset: offset, depth: depth, pathLength: codingPath.count))
        }
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(try KeyedDecoder<Key>(state: state, at: offset, depth: depth, basePath: 0, extra: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try UnkeyedDecoder(state: state, at: offset, depth: depth, basePath: 0, extra: codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

    func decodeNil() -> Bool { (try? state.scalars.isNil(at: offset)) ?? false }
    func decode(_ type: Bool.Type) throws -> Bool { try withSlot { try $0.decode(type) } }
    func decode(_ type: String.Type) throws -> String { try withSlot { try $0.decode(type) } }
    func decode(_ type: Double.Type) throws -> Double { try withSlot { try $0.decode(type) } }
    func decode(_ type: Float.Type) throws -> Float { try withSlot { try $0.decode(type) } }
    func decode(_ type: Int.Type) throws -> Int { try withSlot { try $0.decode(type) } }
    func decode(_ type: Int8.Type) throws -> Int8 { try withSlot { try $0.decode(type) } }
    func decode(_ type: Int16.Type) throws -> Int16 { try withSlot { try $0.decode(type) } }
    func decode(_ type: Int32.Type) throws -> Int32 { try withSlot { try $0.decode(type) } }
    func decode(_ type: Int64.Type) throws -> Int64 { try withSlot { try $0.decode(type) } }
    func decode(_ type: UInt.Type) throws -> UInt { try withSlot { try $0.decode(type) } }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try withSlot { try $0.decode(type) } }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try withSlot { try $0.decode(type) } }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try withSlot { try $0.decode(type) } }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try withSlot { try $0.decode(type) } }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try withSlot { try $0.decode(type) } }
}
