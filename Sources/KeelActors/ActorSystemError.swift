/// Errors raised by the actor runtime itself. They cross the wire as themselves, so a caller can
/// switch over them whether the failure happened locally or on the remote node.
public enum ActorSystemError: Error, Sendable, Codable, Equatable, CustomStringConvertible {
    /// The recipient does not exist: never registered, already deinitialised, or on a node
    /// incarnation that is gone.
    case deadLetter(ActorID, reason: String)
    /// No reply arrived within the call's timeout.
    case timeout(ActorID, target: String, afterMilliseconds: Int64)
    /// The connection carrying the call closed before the reply arrived.
    case connectionClosed(Endpoint, reason: String)
    /// The runtime could not connect (or is backing off after failed attempts).
    case connectionFailed(Endpoint, reason: String)
    /// The peer rejected the handshake, or we rejected the peer's.
    case handshakeFailed(Endpoint, reason: String)
    /// The encoded call or reply is larger than the configured maximum frame size.
    case frameTooLarge(size: Int, limit: Int)
    /// An argument, result or error failed to encode or decode.
    case serialization(String)
    /// The recipient exists but has no distributed method matching the call.
    case unknownTarget(String)
    /// A type name on the wire is not in the allowlist (see ``KeelActorSystem/registerWireType(_:)``).
    case typeNotAllowed(String)
    /// The well-known name is already taken on this node.
    case nameInUse(String)
    /// The actor system was shut down.
    case shutDown

    public var description: String {
        switch self {
        case .deadLetter(let id, let reason): "dead letter to \(id): \(reason)"
        case .timeout(let id, let target, let ms): "call \(target) to \(id) timed out after \(ms) ms"
        case .connectionClosed(let ep, let reason): "connection to \(ep) closed: \(reason)"
        case .connectionFailed(let ep, let reason): "cannot connect to \(ep): \(reason)"
        case .handshakeFailed(let ep, let reason): "handshake with \(ep) failed: \(reason)"
        case .frameTooLarge(let size, let limit): "frame of \(size) bytes exceeds the limit of \(limit) bytes"
        case .serialization(let message): "serialization failed: \(message)"
        case .unknownTarget(let target): "unknown distributed target \(target)"
        case .typeNotAllowed(let name): "type \(name) is not registered as a wire type"
        case .nameInUse(let name): "the actor name \(name) is already in use on this node"
        case .shutDown: "the actor system has shut down"
        }
    }
}

/// An error thrown by a remote actor whose type the caller has not registered (or that is not
/// `Codable`). It carries the remote type's name and its description.
public struct RemoteCallError: Error, Sendable, Codable, Equatable, CustomStringConvertible {
    /// The fully qualified name of the error type thrown on the remote node (`Module.Type`).
    public var typeName: String
    /// `String(describing:)` of the remote error.
    public var message: String

    /// Creates a remote error description.
    public init(typeName: String, message: String) {
        self.typeName = typeName
        self.message = message
    }

    public var description: String { "remote \(typeName): \(message)" }
}
