/// Encodes `Encodable` values into Keel's compact, self-describing binary format.
///
/// Every value starts with a one-byte tag (see the module documentation in `BinaryDecoder`), so the
/// output can be validated and skipped without knowing the type. Encoding streams straight into
/// one buffer; `[UInt8]` and `Data` are written as raw byte strings.
///
/// `Encodable` implementations must finish writing to a container before writing to its parent
/// again (synthesized conformances always do); writing to a container that has been closed throws
/// `EncodingError.invalidValue`.
public struct BinaryEncoder: Sendable {
    /// Values made available to `encode(to:)` implementations through `Encoder.userInfo`.
    public var userInfo: [CodingUserInfoKey: any Sendable]

    /// Creates an encoder with optional user info.
    public init(userInfo: [CodingUserInfoKey: any Sendable] = [:]) {
        self.userInfo = userInfo
    }

    /// Encodes `value` and returns the bytes.
    public func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        var writer = ByteWriter(capacity: 128)
        try encode(value, into: &writer)
        return writer.takeBytes()
    }

    /// Appends the encoding of `value` to `writer`.
    ///
    /// On error, `writer` is restored to its previous contents.
    public func encode<T: Encodable>(_ value: T, into writer: inout ByteWriter) throws {
        let kind = PrimitiveKind.of(T.self)
        if kind != .none {
            // A single primitive value needs no containers: write it directly (cannot fail).
            writer.writePrimitive(kind, value)
            return
        }
        let state = EncoderState(writer: writer.takeBytesAsWriter(), userInfo: userInfoForEncoders)
        let mark = state.writer.count
        do {
            try state.encodeValue(value)
            try state.finish()
        } catch {
            state.writer.truncate(to: mark)
            writer = state.writer.takeBytesAsWriter()
            throw error
        }
        writer = state.writer.takeBytesAsWriter()
    }

    /// The user info as the `Encoder` protocol exposes it.
    private var userInfoForEncoders: [CodingUserInfoKey: Any] {
        userInfo.isEmpty ? [:] : userInfo.mapValues { $0 as Any }
    }
}

extension ByteWriter {
    /// Moves this writer's buffer into a new writer, leaving this one empty (no copy).
    @usableFromInline
    internal mutating func takeBytesAsWriter() -> ByteWriter {
        var moved = ByteWriter(capacity: 0)
        swap(&moved.storage, &storage)
        return moved
    }
}
