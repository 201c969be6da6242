/// The `Encoder` handed to `encode(to:)`: it owns one slot of the output (the position where one
/// value will be written) and doubles as that slot's single value container.
///
/// Kept to three words so passing it as `any Encoder` does not allocate.
struct SlotEncoder: Encoder, SingleValueEncodingContainer, PrimitiveSink {
    let state: EncoderState
    /// Offset where this slot's value starts.
    let slotStart: Int
    /// Number of containers open around this slot.
    let level: Int32
    /// Length of this slot's coding path within `state.codingPath`.
    let pathLength: Int32

    init(state: EncoderState, slotStart: Int, level: Int, pathLength: Int) {
        self.state = state
        self.slotStart = slotStart
        self.level = Int32(truncatingIfNeeded: level)
        self.pathLength = Int32(truncatingIfNeeded: pathLength)
    }

    var codingPath: [any CodingKey] {
        Array(state.codingPath.prefix(Int(pathLength)))
    }

    var userInfo: [CodingUserInfoKey: Any] { state.userInfo }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        let frame = state.acquireContainer(
            keyed: true, level: Int(level), slotStart: slotStart, pathLength: Int(pathLength))
        return KeyedEncodingContainer(KeyedEncoder<Key>(state: state, frame: frame, slotStart: slotStart))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        let frame = state.acquireContainer(
            keyed: false, level: Int(level), slotStart: slotStart, pathLength: Int(pathLength))
        return UnkeyedEncoder(state: state, frame: frame, slotStart: slotStart)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { self }

    // MARK: - SingleValueEncodingContainer

    @inline(__always)
    func begin() throws {
        try state.beginSingleValue(level: Int(level), slotStart: slotStart, pathLength: Int(pathLength))
    }


    mutating func encode<T: Encodable>(_ value: T) throws {
        try begin()
        do {
            try state.encodeValue(value)
        } catch {
            // Leave the slot empty so a caller that catches the error can still encode into it.
            state.dropFrames(downTo: Int(level))
            state.writer.truncate(to: slotStart)
            state.truncatePath(Int(pathLength))
            throw error
        }
    }
}
