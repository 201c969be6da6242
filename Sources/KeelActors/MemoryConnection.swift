import Synchronization

/// One side of an in-memory connection. Events for it (accepted/connected, frames, close) queue in
/// its inbox in order and are delivered on its owner's event loop once their delay has passed.
final class MemoryConnection: TransportConnection {
    enum Event {
        case accepted
        case connected
        case frame([UInt8])
        case close(String)
    }

    private struct Inbox {
        var events: [(deliverAt: UInt64, event: Event)] = []
        var head = 0
        var lastDeliverAt: UInt64 = 0
        var closed = false
    }

    let connectionID: UInt64
    let network: MemoryNetwork
    let local: Endpoint
    let remote: Endpoint
    let context: TransportContext
    let peer = Mutex<MemoryConnection?>(nil)
    private let inbox = Mutex(Inbox())

    init(network: MemoryNetwork, local: Endpoint, remote: Endpoint, context: TransportContext) {
        self.connectionID = network.nextConnectionID.wrappingAdd(1, ordering: .relaxed).oldValue
        self.network = network
        self.local = local
        self.remote = remote
        self.context = context
    }

    var remoteDescription: String { "memory:\(remote)" }

    func send(_ frame: [UInt8]) {
        guard let peer = peer.withLock({ $0 }) else { return }
        guard let delay = network.admit(from: local, to: remote) else { return }
        peer.enqueue(.frame(frame), delay: delay)
    }

    func close(reason: String) {
        let peer = peer.withLock { state -> MemoryConnection? in defer { state = nil }; return state }
        peer?.peer.withLock { $0 = nil }
        // Like a FIN, the close cannot cross a partition: the far side finds out by heartbeat.
        if network.admitsControl(from: local, to: remote) {
            peer?.enqueueClose(reason: "peer closed the connection")
        }
        // A local close is immediate, as with a socket: nothing queued for us is delivered after it.
        dropAll(reason: reason)
    }

    /// Queues an event for delivery after `delay` ns, never before an earlier event.
    func enqueue(_ event: Event, delay: UInt64) {
        let deliverAt = inbox.withLock { box -> UInt64? in
            guard !box.closed else { return nil }
            let at = max(MonotonicClock.nanoseconds() &+ delay, box.lastDeliverAt)
            box.lastDeliverAt = at
            box.events.append((at, event))
            return at
        }
        guard let deliverAt else { return }
        let now = MonotonicClock.nanoseconds()
        if deliverAt <= now {
            context.loop.execute { [self] in drain() }
        } else {
            context.loop.schedule(after: .nanoseconds(Int64(deliverAt - now))) { [self] in drain() }
        }
    }

    func enqueueClose(reason: String) {
        enqueue(.close(reason), delay: 0)
    }

    /// Crash: forget everything undelivered and report the close now.
    func dropAll(reason: String) {
        inbox.withLock { box in
            box.events.removeAll()
            box.head = 0
        }
        peer.withLock { $0 = nil }
        enqueueClose(reason: reason)
    }

    /// Delivers every due event at the head of the inbox, in order (loop thread).
    private func drain() {
        let now = MonotonicClock.nanoseconds()
        while true {
            let next = inbox.withLock { box -> Event? in
                guard !box.closed, box.head < box.events.count, box.events[box.head].deliverAt <= now else { return nil }
                let event = box.events[box.head].event
                box.head += 1
                if box.head > 64 && box.head * 2 > box.events.count {
                    box.events.removeFirst(box.head)
                    box.head = 0
                }
                if case .close = event {
                    box.closed = true
                    box.events.removeAll()
                    box.head = 0
                }
                return event
            }
            guard let event = next else { return }
            switch event {
            case .accepted: context.delegate.transport(accepted: self)
            case .connected: context.delegate.transport(connected: self)
            case .frame(let frame):
                let length = frame.count - FrameBuffer.headerSize
                if length <= 0 || length > context.maxFrameSize {
                    close(reason: length <= 0 ? "protocol violation: empty frame"
                          : "frame of \(length) bytes exceeds the limit of \(context.maxFrameSize) bytes")
                    continue
                }
                context.delegate.transport(self, received: frame[FrameBuffer.headerSize...])
            case .close(let reason):
                network.state.withLock { _ = $0.connections.removeValue(forKey: connectionID) }
                context.delegate.transport(closed: self, reason: reason)
            }
        }
    }
}
