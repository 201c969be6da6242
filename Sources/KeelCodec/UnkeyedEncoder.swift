/// The unkeyed container written by ``BinaryEncoder``: `count` values in order.
struct UnkeyedEncoder: UnkeyedEncodingContainer, PrimitiveSink {
    let state: EncoderState
    /// Index of this container among the open containers (`Int.max` if it failed to open).
    let frame: Int
    /// Offset of this container's tag byte, used to detect use after close.
    let slotStart: Int

    var codingPath: [any CodingKey] { state.path(ofFrame: frame) }

    var count: Int {
        state.isOpen(frame, slotStart: slotStart) ? state.frame(frame).count : 0
    }

    @inline(__always)
    func begin() throws {
        try state.beginElement(frame: frame, slotStart: slotStart, key: nil)
    }


    mutating func encode<T: Encodable>(_ value: T) throws {
        let kind = PrimitiveKind.of(T.self)
        let mark = try state.beginElement(frame: frame, slotStart: slotStart, key: nil)
        if kind != .none {
            state.writer.writePrimitive(kind, value)
            return
        }
        do {
            let pathBase = state.codingPath.count
            state.codingPath.append(IndexKey(count &- 1))
            try state.encodeComposite(value, pathBase: pathBase)
        } catch {
            state.rollbackElement(frame: frame, to: mark)
            throw error
        }
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let nested = openNested(keyed: true)
        return KeyedEncodingContainer(KeyedEncoder<NestedKey>(state: state, frame: nested.frame, slotStart: nested.slotStart))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let nested = openNested(keyed: false)
        return UnkeyedEncoder(state: state, frame: nested.frame, slotStart: nested.slotStart)
    }

    mutating func superEncoder() -> any Encoder {
        do {
            try begin()
        } catch {
            _ = state.fail("super encoder requested from a closed container")
            return state.deadEncoder()
        }
        return state.openSuperSlot(key: IndexKey(count &- 1))
    }

    /// Opens a nested container as the next element.
    private func openNested(keyed: Bool) -> (frame: Int, slotStart: Int) {
        do {
            try begin()
        } catch {
            _ = state.fail("nested container requested from a closed container")
            return (Int.max, -1)
        }
        return state.openNestedContainer(keyed: keyed, key: IndexKey(count &- 1))
    }
}
