import KeelLog
import Synchronization

/// Faults the ``MemoryNetwork`` injects into frames in flight.
public struct FaultPlan: Sendable, Equatable {
    /// Probability in [0, 1] that a frame is silently lost. Default 0.
    public var dropProbability: Double = 0
    /// Each frame is held back by a random delay in this range. Frames of one connection still
    /// arrive in order (the runtime promises per-pair FIFO); frames of different connections
    /// interleave freely. Default: no delay.
    public var delay: ClosedRange<Duration> = .zero ... .zero

    /// No faults.
    public init(dropProbability: Double = 0, delay: ClosedRange<Duration> = .zero ... .zero) {
        self.dropProbability = dropProbability
        self.delay = delay
    }
}

/// An in-process network connecting many actor systems, with seeded, reproducible fault
/// injection: drops, delays (reordering across connections), partitions and node crashes.
///
/// Give every system of a test the same network via ``TransportFactory/memory(_:)``. Endpoints are
/// `name:port` where the port is handed out by the network when a system listens on port 0.
public final class MemoryNetwork: Sendable {
    struct State {
        var listeners: [Endpoint: MemoryTransport] = [:]
        var nextPort = 1
        var random: SplitMix64
        var faults = FaultPlan()
        var partitions: [Set<Endpoint>] = []
        var connections: [UInt64: MemoryConnection] = [:]
    }

    let state: Mutex<State>
    let nextConnectionID = Atomic<UInt64>(1)

    /// Creates a network whose random choices (drops, delays) follow `seed`.
    public init(seed: UInt64 = 0x5EED) {
        state = Mutex(State(random: SplitMix64(seed: seed)))
    }

    /// Replaces the fault plan for all frames from now on.
    public func setFaults(_ plan: FaultPlan) { state.withLock { $0.faults = plan } }

    /// Splits the network: nodes in `group` can no longer exchange frames with nodes outside it.
    /// Connections stay open (as in a real partition); heartbeats notice. New connections fail.
    public func partition(_ group: Set<Endpoint>) { state.withLock { $0.partitions.append(group) } }

    /// Removes all partitions.
    public func heal() { state.withLock { $0.partitions.removeAll() } }

    /// Simulates a process crash at `endpoint`: it stops listening and every connection it has is
    /// cut at once (peers see the connection close, frames in flight to it are lost).
    public func crash(_ endpoint: Endpoint) {
        let victims = state.withLock { state -> [MemoryConnection] in
            state.listeners[endpoint] = nil
            return state.connections.values.filter { $0.local == endpoint || $0.remote == endpoint }
        }
        for connection in victims {
            if connection.local == endpoint {
                connection.dropAll(reason: "node crashed")
            } else {
                connection.enqueueClose(reason: "connection reset by peer (crashed)")
            }
        }
    }

    func separated(_ a: Endpoint, _ b: Endpoint, in state: State) -> Bool {
        state.partitions.contains { $0.contains(a) != $0.contains(b) }
    }

    /// Whether a control signal (a close) can travel from `from` to `to`: only partitions stop it.
    func admitsControl(from: Endpoint, to: Endpoint) -> Bool {
        state.withLock { !separated(from, to, in: $0) }
    }

    /// Decides a frame's fate: nil to drop it, else the delay in nanoseconds.
    func admit(from: Endpoint, to: Endpoint) -> UInt64? {
        state.withLock { state -> UInt64? in
            if separated(from, to, in: state) { return nil }
            let plan = state.faults
            if plan.dropProbability > 0, state.random.nextDouble() < plan.dropProbability { return nil }
            let low = UInt64(max(0, plan.delay.lowerBound.nanoseconds))
            let high = UInt64(max(0, plan.delay.upperBound.nanoseconds))
            if high <= low { return low }
            return low + state.random.next() % (high - low + 1)
        }
    }
}

/// SplitMix64: a tiny, fast, seedable PRNG (for reproducible fault injection).
struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func nextDouble() -> Double { Double(next() >> 11) / Double(1 << 53) }
}

/// The transport of one actor system on a ``MemoryNetwork``.
public final class MemoryTransport: Transport {
    let network: MemoryNetwork
    let bound = Mutex<(Endpoint, TransportContext)?>(nil)

    /// Creates a transport attached to `network`.
    public init(network: MemoryNetwork) { self.network = network }

    public func listen(on endpoint: Endpoint, context: TransportContext) throws -> Endpoint {
        let endpoint = try network.state.withLock { state -> Endpoint in
            var chosen = endpoint
            if chosen.port == 0 {
                repeat {
                    chosen.port = state.nextPort
                    state.nextPort += 1
                } while state.listeners[chosen] != nil
            }
            if state.listeners[chosen] != nil { throw SystemError(message: "bind \(chosen) failed: address already in use") }
            state.listeners[chosen] = self
            return chosen
        }
        bound.withLock { $0 = (endpoint, context) }
        return endpoint
    }

    public func connect(to endpoint: Endpoint, context: TransportContext) -> any TransportConnection {
        let local = bound.withLock { $0?.0 } ?? Endpoint(host: "unbound", port: 0)
        let client = MemoryConnection(network: network, local: local, remote: endpoint, context: context)
        let (server, refusal) = network.state.withLock { state -> (MemoryConnection?, String?) in
            guard let listener = state.listeners[endpoint], let (_, serverContext) = listener.bound.withLock({ $0 }) else {
                return (nil, "connection refused")
            }
            if network.separated(local, endpoint, in: state) { return (nil, "no route to host (partitioned)") }
            let server = MemoryConnection(network: network, local: endpoint, remote: local, context: serverContext)
            client.peer.withLock { $0 = server }
            server.peer.withLock { $0 = client }
            state.connections[client.connectionID] = client
            state.connections[server.connectionID] = server
            return (server, nil)
        }
        if let server {
            client.enqueue(.connected, delay: 0)
            server.enqueue(.accepted, delay: 0)
        } else {
            client.enqueueClose(reason: refusal ?? "connection refused")
        }
        return client
    }

    public func stopListening() {
        guard let endpoint = bound.withLock({ $0?.0 }) else { return }
        network.state.withLock { state in
            if state.listeners[endpoint] === self { state.listeners[endpoint] = nil }
        }
    }
}
