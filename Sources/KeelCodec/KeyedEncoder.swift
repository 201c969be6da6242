/// The keyed container written by ``BinaryEncoder``: `count` (key string, value) entries.
struct KeyedEncoder<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let state: EncoderState
    /// Index of this container among the open containers (`Int.max` if it failed to open).
    let frame: Int
    /// Offset of this container's tag byte, used to detect use after close.
    let slotStart: Int

    var codingPath: [any CodingKey] { state.path(ofFrame: frame) }

    @inline(__always)
    private func begin(_ key: Key) throws {
        try state.beginElement(frame: frame, slotStart: slotStart, key: key.stringValue)
    }

    mutating func encodeNil(forKey key: Key) throws { try begin(key); state.writer.writeTaggedNil() }
    mutating func encode(_ value: Bool, forKey key: Key) throws { try begin(key); state.writer.writeTaggedBool(value) }
    mutating func encode(_ value: String, forKey key: Key) throws { try begin(key); state.writer.writeTaggedString(value) }
    mutating func encode(_ value: Double, forKey key: Key) throws { try begin(key); state.writer.writeTaggedDouble(value) }
    mutating func encode(_ value: Float, forKey key: Key) throws { try begin(key); state.writer.writeTaggedFloat(value) }
    mutating func encode(_ value: Int, forKey key: Key) throws { try begin(key); state.writer.writeTaggedSigned(Int64(value)) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { try begin(key); state.writer.writeTaggedSigned(Int64(value)) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { try begin(key); state.writer.writeTaggedSigned(Int64(value)) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { try begin(key); state.writer.writeTaggedSigned(Int64(value)) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { try begin(key); state.writer.writeTaggedSigned(value) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { try begin(key); state.writer.writeTaggedUnsigned(UInt64(value)) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { try begin(key); state.writer.writeTaggedUnsigned(UInt64(value)) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { try begin(key); state.writer.writeTaggedUnsigned(UInt64(value)) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { try begin(key); state.writer.writeTaggedUnsigned(UInt64(value)) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { try begin(key); state.writer.writeTaggedUnsigned(value) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        let kind = PrimitiveKind.of(T.self)
        let mark = try state.beginElement(frame: frame, slotStart: slotStart, key: key.stringValue)
        if kind != .none {
            state.writer.writePrimitive(kind, value)
            return
        }
        do {
            let pathBase = state.codingPath.count
            state.codingPath.append(key)
            try state.encodeComposite(value, pathBase: pathBase)
        } catch {
            state.rollbackElement(frame: frame, to: mark)
            throw error
        }
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type, forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        let nested = openNested(keyed: true, key: key)
        return KeyedEncodingContainer(KeyedEncoder<NestedKey>(state: state, frame: nested.frame, slotStart: nested.slotStart))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let nested = openNested(keyed: false, key: key)
        return UnkeyedEncoder(state: state, frame: nested.frame, slotStart: nested.slotStart)
    }

    mutating func superEncoder() -> any Encoder {
        openSuper(key: WireKey.superKey)
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        openSuper(key: key)
    }

    /// Writes `key` and opens a nested container as its value.
    private func openNested(keyed: Bool, key: Key) -> (frame: Int, slotStart: Int) {
        do {
            try state.beginElement(frame: frame, slotStart: slotStart, key: key.stringValue)
        } catch {
            _ = state.fail("nested container requested from a closed container")
            return (Int.max, -1)
        }
        return state.openNestedContainer(keyed: keyed, key: key)
    }

    /// Writes `key` and returns an encoder for its (pending) value.
    private func openSuper(key: some CodingKey) -> any Encoder {
        do {
            try state.beginElement(frame: frame, slotStart: slotStart, key: key.stringValue)
        } catch {
            _ = state.fail("super encoder requested from a closed container")
            return state.deadEncoder()
        }
        return state.openSuperSlot(key: key)
    }
}
