/// A network address that a node listens on: `host:port`.
///
/// For the in-memory transport the host is the node's name and the port a number the
/// ``MemoryNetwork`` hands out; the runtime treats both kinds alike.
public struct Endpoint: Hashable, Sendable, Codable, CustomStringConvertible {
    /// Host name or IP address literal.
    public var host: String
    /// TCP port (or in-memory port number).
    public var port: Int

    /// Creates an endpoint.
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port` (IPv6 literals as `[::1]:7000`). Returns nil when malformed.
    public init?(parsing text: String) {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        var host = String(text[..<colon])
        guard let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else { return nil }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { return nil }
        self.init(host: host, port: port)
    }

    /// `host:port`, with IPv6 literals bracketed.
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// The identity of one running actor system: where it listens plus a random incarnation.
///
/// A process that restarts on the same address is a *new* node (a new incarnation), so references
/// held to actors of the old process fail with a dead-letter error instead of reaching whatever
/// the new process registered under the same path.
public struct NodeID: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The address peers connect to.
    public var endpoint: Endpoint
    /// Random per-process number chosen when the actor system starts; never 0.
    public var incarnation: UInt64

    /// Creates a node identity.
    public init(endpoint: Endpoint, incarnation: UInt64) {
        self.endpoint = endpoint
        self.incarnation = incarnation
    }

    /// `host:port#incarnation` (incarnation in hex).
    public var description: String { "\(endpoint)#\(String(incarnation, radix: 16))" }

    /// Parses ``description``'s form. Returns nil when malformed or the incarnation is 0.
    public init?(parsing text: String) {
        guard let hash = text.lastIndex(of: "#"), let endpoint = Endpoint(parsing: String(text[..<hash])),
              let incarnation = UInt64(text[text.index(after: hash)...], radix: 16), incarnation != 0 else { return nil }
        self.init(endpoint: endpoint, incarnation: incarnation)
    }
}

/// The identity of a distributed actor: the node it lives on plus a path unique on that node.
///
/// Paths of ordinary actors are generated (`$1`, `$2`, …) and never reused within one incarnation;
/// well-known actors (see ``KeelActorSystem/makeActor(named:_:)``) use their name as the path, so a
/// peer that knows only `host:port` can address them once the handshake told it the incarnation.
public struct ActorID: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The node hosting the actor.
    public var node: NodeID
    /// The actor's path on that node.
    public var path: String

    /// Creates an actor identity.
    public init(node: NodeID, path: String) {
        self.node = node
        self.path = path
    }

    /// `path@host:port#incarnation`.
    public var description: String { "\(path)@\(node)" }

    /// Parses ``description``'s form (how an agent hands its identity to the executors it launches). Returns nil
    /// when malformed.
    public init?(parsing text: String) {
        guard let at = text.firstIndex(of: "@"), at != text.startIndex,
              let node = NodeID(parsing: String(text[text.index(after: at)...])) else { return nil }
        self.init(node: node, path: String(text[..<at]))
    }
}
