import KeelCodec

/// The first byte of every frame: what the frame carries.
///
/// Layout of every frame after the transport's length prefix: `kind (1 byte)` then the fields
/// below, encoded with ``ByteWriter`` primitives (varints, length-prefixed strings).
enum FrameKind: UInt8 {
    /// `magic u32, version u16, cluster str, host str, port varuint, incarnation u64, nonce bytes, authRequired u8`
    case hello = 1
    /// `proof bytes` — HMAC-SHA256 over the handshake transcript (see ``HandshakeStateMachine``).
    case auth = 2
    /// `callID varuint, incarnation u64, path str, target str, generics [str], args (u32 len + bytes)*`
    case call = 3
    /// `callID varuint, status u8, payload` (see ``ReplyStatus``).
    case reply = 4
    /// Empty: keeps an idle connection's liveness visible.
    case ping = 5
    /// `path str` — the sender wants a `terminated` frame when that local actor goes away.
    case watch = 6
    /// `path str`
    case unwatch = 7
    /// `incarnation u64, path str` — the actor is gone.
    case terminated = 8
    /// `reason str` — sent before closing on a protocol or handshake error, so the peer can log why.
    case goodbye = 9
}

/// The outcome carried by a reply frame.
enum ReplyStatus: UInt8 {
    /// Payload: the encoded return value (u32 length + bytes).
    case value = 0
    /// No payload.
    case void = 1
    /// Payload: `typeName str, message str, encoded error bytes (length-prefixed, may be empty)`.
    case error = 2
}

/// Protocol constants. The version is bumped on any incompatible change to frame layouts or to the
/// distributed protocols' mangled names.
enum WireProtocol {
    static let magic: UInt32 = 0x4B45_454C  // "KEEL"
    static let version: UInt16 = 1
    static let nonceSize = 32
}

/// Builders for frames. A frame is built after ``start(_:capacity:)`` and completed by
/// ``finish(_:)``, which fills the first ``FrameBuffer/headerSize`` bytes with the length of the
/// rest (big-endian): the TCP transport can then write the buffer as it is.
enum Frames {
    static func start(_ kind: FrameKind, capacity: Int = 64) -> ByteWriter {
        var writer = ByteWriter(capacity: capacity)
        writer.writeUInt32BE(0)
        writer.writeByte(kind.rawValue)
        return writer
    }

    /// The frame's bytes, its length prefix filled in.
    static func finish(_ writer: inout ByteWriter) -> [UInt8] {
        writer.patchUInt32BE(UInt32(truncatingIfNeeded: writer.count - FrameBuffer.headerSize), at: 0)
        return writer.bytes
    }

    static func ping() -> [UInt8] {
        var writer = start(.ping, capacity: 8)
        return finish(&writer)
    }

    static func goodbye(_ reason: String) -> [UInt8] {
        var writer = start(.goodbye)
        writer.writeString(String(reason.prefix(1024)))
        return finish(&writer)
    }

    static func watch(_ kind: FrameKind, path: String) -> [UInt8] {
        var writer = start(kind)
        writer.writeString(path)
        return finish(&writer)
    }

    static func terminated(incarnation: UInt64, path: String) -> [UInt8] {
        var writer = start(.terminated)
        writer.writeUInt64BE(incarnation)
        writer.writeString(path)
        return finish(&writer)
    }

    static func replyHeader(callID: UInt64, status: ReplyStatus, capacity: Int = 64) -> ByteWriter {
        var writer = start(.reply, capacity: capacity)
        writer.writeVarUInt(callID)
        writer.writeByte(status.rawValue)
        return writer
    }
}

/// The fixed part of an incoming call frame; arguments stay undecoded until the target runs.
struct CallHeader {
    var callID: UInt64
    var incarnation: UInt64
    var path: String
    var target: String
    var genericSubstitutions: [String]

    /// Parses the header; `reader` is left at the first argument.
    static func parse(_ reader: inout ByteReader, maxGenerics: Int = 16) throws -> CallHeader {
        let callID = try reader.readVarUInt()
        let incarnation = try reader.readUInt64BE()
        let path = try reader.readString(maxLength: 1024)
        let target = try reader.readString(maxLength: 4096)
        let genericCount = try reader.readVarUInt()
        guard genericCount <= UInt64(maxGenerics) else {
            throw WireError.limitExceeded("\(genericCount) generic substitutions exceed the limit \(maxGenerics)")
        }
        var generics: [String] = []
        for _ in 0..<genericCount { generics.append(try reader.readString(maxLength: 4096)) }
        return CallHeader(callID: callID, incarnation: incarnation, path: path, target: target, genericSubstitutions: generics)
    }
}
