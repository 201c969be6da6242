import KeelCodec
import KeelCrypto

/// The hello a node sends first on every connection.
struct Hello: Equatable {
    var magic: UInt32
    var version: UInt16
    var cluster: String
    var node: NodeID
    var nonce: [UInt8]
    var authRequired: Bool

    func frame() -> [UInt8] {
        var writer = Frames.start(.hello, capacity: 96)
        writer.writeUInt32BE(magic)
        writer.writeUInt32BE(UInt32(version))
        writer.writeString(cluster)
        writer.writeString(node.endpoint.host)
        writer.writeVarUInt(UInt64(node.endpoint.port))
        writer.writeUInt64BE(node.incarnation)
        writer.writeLengthPrefixed(nonce)
        writer.writeByte(authRequired ? 1 : 0)
        return Frames.finish(&writer)
    }

    static func parse(_ reader: inout ByteReader) throws -> Hello {
        let magic = try reader.readUInt32BE()
        let version = try reader.readUInt32BE()
        let cluster = try reader.readString(maxLength: 256)
        let host = try reader.readString(maxLength: 256)
        let port = try reader.readVarUInt()
        let incarnation = try reader.readUInt64BE()
        let nonce = Array(try reader.readLengthPrefixed(maxLength: 64))
        let auth = try reader.readByte()
        guard port <= 65535, version <= UInt32(UInt16.max) else {
            throw WireError.valueOutOfRange("hello port \(port) or version \(version)")
        }
        return Hello(
            magic: magic, version: UInt16(version), cluster: cluster,
            node: NodeID(endpoint: Endpoint(host: host, port: Int(port)), incarnation: incarnation),
            nonce: nonce, authRequired: auth != 0)
    }
}

/// The connection handshake as a pure state machine: feed it frames, perform the actions it returns.
///
/// Both sides send ``Hello`` at once (magic, protocol version, cluster name, node identity, a fresh
/// 32-byte nonce). With a shared secret configured, each side then proves knowledge of it by sending
/// `HMAC-SHA256(secret, "keel-auth-v1" ‖ role ‖ peerNonce ‖ ownNonce ‖ cluster)`, where `role`
/// distinguishes initiator from acceptor so a proof cannot be reflected back. The connection is
/// established once the peer's hello is valid and (if required) its proof verified; nothing else —
/// in particular no call — is accepted before that.
struct HandshakeStateMachine {
    enum State: Equatable {
        case awaitingHello
        case awaitingAuth(Hello)
        case established(NodeID)
        case failed(String)
    }

    enum Action: Equatable {
        /// Send this frame to the peer.
        case send([UInt8])
        /// The handshake is complete; the peer is this node.
        case established(NodeID)
        /// Reject the peer: send a goodbye with the reason and close.
        case reject(String)
    }

    private(set) var state: State = .awaitingHello
    let local: NodeID
    let cluster: String
    let secret: [UInt8]?
    let nonce: [UInt8]
    let initiator: Bool

    init(local: NodeID, cluster: String, secret: [UInt8]?, initiator: Bool, nonce: [UInt8] = SecureRandom.bytes(WireProtocol.nonceSize)) {
        self.local = local
        self.cluster = cluster
        self.secret = secret
        self.initiator = initiator
        self.nonce = nonce
    }

    /// The hello to send as soon as the connection is up.
    func hello() -> [UInt8] {
        Hello(magic: WireProtocol.magic, version: WireProtocol.version, cluster: cluster, node: local, nonce: nonce, authRequired: secret != nil).frame()
    }

    var isEstablished: Bool {
        if case .established = state { return true }
        return false
    }

    /// Handles a handshake frame (`hello` or `auth`); any other frame before establishment is a violation.
    mutating func receive(kind: FrameKind, _ reader: inout ByteReader) -> [Action] {
        switch (state, kind) {
        case (.awaitingHello, .hello):
            let hello: Hello
            do { hello = try Hello.parse(&reader) } catch { return fail("malformed hello: \(error)") }
            if hello.magic != WireProtocol.magic { return fail("bad magic 0x\(String(hello.magic, radix: 16)); not a Keel node") }
            if hello.version != WireProtocol.version {
                return fail("protocol version \(hello.version) is not supported (this node speaks \(WireProtocol.version))")
            }
            if hello.cluster != cluster { return fail("cluster name \"\(hello.cluster)\" does not match \"\(cluster)\"") }
            if hello.nonce.count != WireProtocol.nonceSize { return fail("hello nonce must be \(WireProtocol.nonceSize) bytes") }
            if hello.node.incarnation == local.incarnation && hello.node.endpoint == local.endpoint {
                return fail("connected to itself")
            }
            guard let secret else {
                if hello.authRequired { return fail("peer requires authentication but this node has no shared secret") }
                state = .established(hello.node)
                return [.established(hello.node)]
            }
            if !hello.authRequired { return fail("authentication required but the peer offered none (no shared secret configured)") }
            state = .awaitingAuth(hello)
            var writer = Frames.start(.auth)
            writer.writeLengthPrefixed(Self.proof(secret: secret, initiator: initiator, peerNonce: hello.nonce, ownNonce: nonce, cluster: cluster))
            return [.send(Frames.finish(&writer))]
        case (.awaitingAuth(let hello), .auth):
            guard let secret, let proof = try? reader.readLengthPrefixed(maxLength: 64) else {
                return fail("malformed auth frame")
            }
            let expected = Self.proof(secret: secret, initiator: !initiator, peerNonce: nonce, ownNonce: hello.nonce, cluster: cluster)
            guard ConstantTime.equals(expected, proof) else { return fail("authentication failed: wrong shared secret") }
            state = .established(hello.node)
            return [.established(hello.node)]
        case (.established, _):
            return fail("unexpected \(kind) frame after the handshake")
        case (.failed, _):
            return []
        default:
            return fail("protocol violation: \(kind) frame during the handshake")
        }
    }

    private mutating func fail(_ reason: String) -> [Action] {
        state = .failed(reason)
        return [.reject(reason)]
    }

    static func proof(secret: [UInt8], initiator: Bool, peerNonce: [UInt8], ownNonce: [UInt8], cluster: String) -> [UInt8] {
        var mac = HMACSHA256(key: secret)
        mac.update(Array("keel-auth-v1".utf8))
        mac.update([initiator ? UInt8(ascii: "I") : UInt8(ascii: "A")])
        mac.update(peerNonce)
        mac.update(ownNonce)
        mac.update(Array(cluster.utf8))
        return mac.finalize()
    }
}
