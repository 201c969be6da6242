import KeelCodec
import Synchronization

/// One connection to a peer node, with its handshake and liveness bookkeeping.
///
/// The immutable parts and `send` may be used from any thread; `state` belongs to the event loop.
final class Link: Sendable {
    struct State {
        var handshake: HandshakeStateMachine
        /// The peer, once the handshake finished.
        var peer: NodeID?
        /// Last time anything arrived (monotonic ns).
        var lastReceived: UInt64
        /// When the connection was created (monotonic ns), for the handshake timeout.
        let createdAt: UInt64
        /// Local actor paths this peer watches (so its registrations can be dropped on close).
        var watchedPaths: Set<String> = []
        /// The call targets this peer named recently.
        var callTargets = CallTargetCache()
        /// The local actors this peer called recently.
        var recipients = RecipientCache()
        var closed = false
    }

    let connection: any TransportConnection
    /// Whether we dialled (true) or accepted (false) this connection.
    let outbound: Bool
    /// For outbound links: the endpoint we dialled.
    let dialedEndpoint: Endpoint?
    let lastSent = Atomic<UInt64>(0)
    /// Set (on the loop) when the connection closed, before its route is removed and its calls
    /// fail; read by callers under the pending-calls lock (see `KeelActorSystem.call`).
    let isClosed = Atomic<Bool>(false)
    let state: LoopBound<State>

    init(connection: any TransportConnection, outbound: Bool, dialedEndpoint: Endpoint?, handshake: HandshakeStateMachine, loop: EventLoop) {
        self.connection = connection
        self.outbound = outbound
        self.dialedEndpoint = dialedEndpoint
        let now = MonotonicClock.nanoseconds()
        self.state = LoopBound(State(handshake: handshake, lastReceived: now, createdAt: now), loop: loop)
        lastSent.store(now, ordering: .relaxed)
    }

    /// Sends one frame (thread-safe).
    func send(_ frame: [UInt8]) {
        // Coarse: only the heartbeat reads it, at interval granularity.
        lastSent.store(MonotonicClock.coarseNanoseconds(), ordering: .relaxed)
        connection.send(frame)
    }

    var id: UInt64 { connection.connectionID }
}

/// How the runtime currently reaches one endpoint. Guarded by the system's `routes` mutex so that
/// choosing a route and queueing a frame on it is one atomic step — this is what keeps frames
/// from one sender in order while a connection is being established.
enum Route {
    /// Dialling (the loop owns the dial link); frames wait here in order until the handshake completes.
    case connecting(queued: [(callID: UInt64?, frame: [UInt8])], failures: Int)
    /// Established: frames go straight to the link.
    case established(Link, NodeID)
    /// The last dial failed; calls fail fast until `until` (monotonic ns).
    case backingOff(until: UInt64, failures: Int, reason: String)
}

extension Route {
    /// Appends a frame to a connecting route's queue; false (nothing done) for any other route.
    /// In place: the route gives up its reference to the queue before the append, which therefore
    /// never copies the frames queued so far (thousands, when many calls wait for one dial).
    mutating func enqueue(_ callID: UInt64?, _ frame: [UInt8]) -> Bool {
        guard case .connecting(var queued, let failures) = self else { return false }
        self = .connecting(queued: [], failures: failures)
        queued.append((callID, frame))
        self = .connecting(queued: queued, failures: failures)
        return true
    }
}

/// Every endpoint's ``Route``, plus a one-entry memo of the last established route looked up. A
/// caller mostly calls the same peer again, and hashing an endpoint (SipHash over its host name)
/// costs more than the rest of a call's route lookup; comparing it with the memo's is a few
/// instructions. Every change to the table forgets the memo.
struct RouteTable: Sequence {
    private var table: [Endpoint: Route] = [:]
    private var memo: (endpoint: Endpoint, link: Link, node: NodeID)?

    subscript(endpoint: Endpoint) -> Route? {
        get { table[endpoint] }
        set {
            memo = nil
            table[endpoint] = newValue
        }
    }

    /// Queues `frame` on `endpoint`'s route if it is connecting, in place (see ``Route/enqueue(_:_:)``);
    /// false otherwise.
    mutating func enqueue(_ frame: [UInt8], callID: UInt64?, on endpoint: Endpoint) -> Bool {
        table[endpoint]?.enqueue(callID, frame) ?? false
    }

    /// The link and peer of `endpoint`'s route when it is established; nil otherwise.
    mutating func established(_ endpoint: Endpoint) -> (link: Link, node: NodeID)? {
        if let memo, memo.endpoint == endpoint { return (memo.link, memo.node) }
        guard case .established(let link, let node)? = table[endpoint] else { return nil }
        memo = (endpoint, link, node)
        return (link, node)
    }

    func makeIterator() -> Dictionary<Endpoint, Route>.Iterator { table.makeIterator() }
}
