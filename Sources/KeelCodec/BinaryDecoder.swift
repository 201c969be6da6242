/// Decodes `Decodable` values from Keel's compact, self-describing binary format; safe on hostile
/// input.
///
/// ## Wire format
/// Every value is a one-byte tag followed by its payload:
///
/// | tag  | value            | payload                                                   |
/// |------|------------------|-----------------------------------------------------------|
/// | 0x01 | nil              | none                                                      |
/// | 0x02 | false            | none                                                      |
/// | 0x03 | true             | none                                                      |
/// | 0x04 | signed integer   | zigzag LEB128 varint                                      |
/// | 0x05 | unsigned integer | LEB128 varint                                             |
/// | 0x06 | Double           | 8-byte little-endian IEEE 754 bit pattern                 |
/// | 0x07 | Float            | 4-byte little-endian IEEE 754 bit pattern                 |
/// | 0x08 | String           | varuint byte length + UTF-8                               |
/// | 0x09 | bytes            | varuint length + raw bytes (`[UInt8]`, `Data`)            |
/// | 0x0A | unkeyed          | varuint count + count values                              |
/// | 0x0B | keyed            | varuint count + count × (varuint length + UTF-8 key, value) |
///
/// Varints are at most 10 bytes and must be minimal. Any integer tag decodes into any integer
/// type whose range holds the value. A `Double` accepts float32; a `Float` accepts float64 only
/// when exactly representable. Keyed entries may come in any order; unknown keys are skipped;
/// duplicate keys are rejected. A value whose `encode(to:)` wrote nothing is an empty keyed
/// container. `superEncoder()` uses the key `"super"` (or the next index).
///
/// ## Hostile input
/// Every length and count is checked against the remaining bytes before anything is allocated,
/// container nesting (also while skipping) is limited by ``CodecLimits/maxDepth``, and bytes after
/// the top-level value are rejected. Wire problems throw ``WireError``; decoding past the end of
/// an unkeyed container throws `DecodingError.valueNotFound`.
///
/// Not `Sendable` because `userInfo` may hold non-`Sendable` values; create one per task.
public struct BinaryDecoder {
    /// Limits applied to every message.
    public var limits: CodecLimits
    /// Values made available to `init(from:)` implementations through `Decoder.userInfo`
    /// (for example the actor system under `.actorSystemKey`).
    public var userInfo: [CodingUserInfoKey: Any]
    /// One more user-info entry, added to `userInfo` only if a value asks for the user info.
    private var lazyEntry: (key: CodingUserInfoKey, value: AnyObject)?

    /// Creates a decoder.
    public init(limits: CodecLimits = .init(), userInfo: [CodingUserInfoKey: Any] = [:]) {
        self.limits = limits
        self.userInfo = userInfo
    }

    /// Creates a decoder whose user info holds the object `value` (typically an actor system) under
    /// `key`. The dictionary is built only when an `init(from:)` reads `Decoder.userInfo`: creating
    /// one costs more than decoding a small message, and most messages never look at it. (An object
    /// rather than `Any`: a decoder holding an `Any` is copied and destroyed through the runtime's
    /// generic value witnesses, which cost about as much as decoding a small value.)
    public init(limits: CodecLimits = .init(), userInfoKey key: CodingUserInfoKey, value: AnyObject) {
        self.limits = limits
        // `Dictionary()`, not `[:]`: the literal goes through `init(dictionaryLiteral:)`, a call per decoder.
        self.userInfo = Dictionary()
        self.lazyEntry = (key, value)
    }

    /// Decodes a value of type `T` that must occupy all of `bytes`.
    public func decode<T: Decodable>(_ type: T.Type, from bytes: ArraySlice<UInt8>) throws -> T {
        try bytes.withUnsafeBufferPointer { buffer in
            var pos = 0
            let value: T
            let kind = PrimitiveKind.of(T.self)
            if kind != .none {
                // A single primitive value (a number, a string, a byte string...): read it directly.
                value = try ScalarReader(buffer: buffer, limits: limits).readPrimitive(kind, as: T.self, at: &pos, depth: 0)
            } else {
                let state = DecoderState(buffer: buffer, limits: limits, userInfo: userInfo, lazyEntry: lazyEntry)
                defer { state.buffer = UnsafeBufferPointer(start: nil, count: 0) }
                value = try state.decodeValue(T.self, at: &pos, depth: 0)
            }
            guard pos == buffer.count else {
                throw WireError.trailingBytes(count: buffer.count - pos, offset: pos)
            }
            return value
        }
    }

    /// Decodes a value of type `T` that must occupy all of `bytes`.
    public func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        try decode(type, from: bytes[...])
    }
}
