import KeelCodec
import KeelLog

/// Settings of one ``KeelActorSystem``. Every field has a default suitable for production;
/// tests usually shorten the timeouts.
public struct ActorSystemConfiguration: Sendable {
    /// Nodes only talk to nodes of the same cluster name (checked in the handshake). Default `keel`.
    public var clusterName = "keel"
    /// Address to listen on. Default `127.0.0.1`.
    public var host = "127.0.0.1"
    /// Port to listen on; 0 picks a free port (see ``KeelActorSystem/endpoint``). Default 0.
    public var port = 0
    /// The host peers should use to reach this node, when it differs from `host` (e.g. listening
    /// on `0.0.0.0`). Default: `host`.
    public var advertisedHost: String?
    /// How nodes reach each other. Default ``TransportFactory/tcp``.
    public var transport: TransportFactory = .tcp
    /// Optional shared secret: when set, peers must prove they know it (HMAC-SHA256
    /// challenge/response) before any call is accepted. All nodes of a cluster must agree.
    public var sharedSecret: [UInt8]?
    /// Default per-call timeout; override per call with ``KeelActorSystem/withCallTimeout(_:_:)``. Default 30 s.
    public var callTimeout: Duration = .seconds(30)
    /// An idle connection sends a ping this often. Default 1 s.
    public var heartbeatInterval: Duration = .seconds(1)
    /// A connection on which nothing arrived for this long is closed and its peer considered down
    /// (pending calls fail, watches fire). Default 10 s.
    public var heartbeatTimeout: Duration = .seconds(10)
    /// Connect plus handshake must finish within this. Default 5 s.
    public var handshakeTimeout: Duration = .seconds(5)
    /// Largest frame accepted or sent, in bytes. Default 16 MiB.
    public var maxFrameSize = 16 << 20
    /// Limits applied when decoding arguments and results from the wire.
    public var codecLimits = CodecLimits()
    /// First delay before redialling a peer that could not be reached; doubles per failure. Default 10 ms.
    public var reconnectBackoffInitial: Duration = .milliseconds(10)
    /// Upper bound of the redial delay. Default 5 s.
    public var reconnectBackoffMax: Duration = .seconds(5)
    /// Granularity of call-timeout checks. Default 10 ms.
    public var timerResolution: Duration = .milliseconds(10)
    /// After activity, the event loop keeps polling this long before sleeping, trading a little CPU
    /// while traffic flows for not paying a thread wake-up (tens of µs on VMs) per message.
    /// Default 50 µs; zero disables it.
    public var busyPoll: Duration = .microseconds(50)
    /// A name for this node in logs and thread names. Default `node`.
    public var name = "node"
    /// The logger; the system adds `node=` metadata.
    public var logger = Logger(label: "keel.actors")

    /// The defaults.
    public init() {}

    /// Defaults with the given transport, host and port.
    public init(name: String = "node", host: String = "127.0.0.1", port: Int = 0, transport: TransportFactory = .tcp) {
        self.name = name
        self.host = host
        self.port = port
        self.transport = transport
    }
}
