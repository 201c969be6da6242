/// Receives the events of transport connections. Transports call every method on the event
/// loop of the ``TransportContext``, so implementations may keep loop-confined state.
public protocol TransportDelegate: AnyObject, Sendable {
    /// A listener accepted `connection`; the handshake starts now.
    func transport(accepted connection: any TransportConnection)
    /// An outbound `connection` finished connecting; the handshake starts now.
    func transport(connected connection: any TransportConnection)
    /// One complete frame (without its length prefix) arrived on `connection`.
    func transport(_ connection: any TransportConnection, received frame: ArraySlice<UInt8>)
    /// `connection` is gone (peer closed, error, or local close); `reason` says why. Sent once.
    func transport(closed connection: any TransportConnection, reason: String)
}

/// One bidirectional, ordered, reliable stream of frames between two nodes.
///
/// Frames arrive in the order they were sent, each whole, or the connection closes.
public protocol TransportConnection: AnyObject, Sendable {
    /// A process-unique number, for logs and tables.
    var connectionID: UInt64 { get }
    /// The remote address, for logs.
    var remoteDescription: String { get }
    /// Sends one frame. `frame` starts with ``FrameBuffer/headerSize`` reserved bytes that the
    /// transport overwrites with its framing. Thread-safe and never blocks; frames sent after
    /// close are dropped.
    func send(_ frame: [UInt8])
    /// Closes the connection; the delegate hears `closed` with `reason` once.
    func close(reason: String)
    /// Backpressure: returns at once while the unsent backlog is small, otherwise suspends until it
    /// has drained below the low watermark or the connection closed.
    func waitForCapacity() async
    /// Whether ``waitForCapacity()`` would suspend now: a synchronous check, so the common case
    /// (no backlog) costs a load instead of an async call.
    var isBacklogged: Bool { get }
}

extension TransportConnection {
    /// Connections without an outbound backlog never make senders wait.
    public func waitForCapacity() async {}
    /// Connections without an outbound backlog are never backlogged.
    public var isBacklogged: Bool { false }
}

/// What a transport needs from the actor system that owns it.
public struct TransportContext: Sendable {
    /// The loop on which all delegate callbacks run.
    public var loop: EventLoop
    /// Frames longer than this are refused (inbound: the connection closes with a reason).
    public var maxFrameSize: Int
    /// Receives connection events.
    public var delegate: any TransportDelegate

    /// Creates a context.
    public init(loop: EventLoop, maxFrameSize: Int, delegate: any TransportDelegate) {
        self.loop = loop
        self.maxFrameSize = maxFrameSize
        self.delegate = delegate
    }
}

/// A way for nodes to reach each other: TCP sockets (``TCPTransport``) or the in-process
/// ``MemoryNetwork`` (``MemoryTransport``). One instance serves one actor system.
public protocol Transport: Sendable {
    /// Starts accepting connections on `endpoint` (port 0 picks a free one); returns the endpoint bound.
    func listen(on endpoint: Endpoint, context: TransportContext) throws -> Endpoint
    /// Starts connecting to `endpoint`. The connection later reports `connected` or `closed`.
    func connect(to endpoint: Endpoint, context: TransportContext) -> any TransportConnection
    /// Stops accepting connections. Open connections are closed by their owner.
    func stopListening()
}

/// Makes one ``Transport`` per actor system.
public struct TransportFactory: Sendable {
    /// Creates a fresh transport instance.
    public var make: @Sendable () -> any Transport

    /// Wraps a factory closure.
    public init(_ make: @escaping @Sendable () -> any Transport) { self.make = make }

    /// Non-blocking TCP sockets driven by epoll.
    public static var tcp: TransportFactory { TransportFactory { TCPTransport() } }

    /// The in-process network `network` (with its fault injection).
    public static func memory(_ network: MemoryNetwork) -> TransportFactory {
        TransportFactory { MemoryTransport(network: network) }
    }
}

/// Conventions for frame buffers shared by all transports.
public enum FrameBuffer {
    /// Bytes reserved at the start of every frame for the transport's 4-byte big-endian length.
    public static let headerSize = 4
}
