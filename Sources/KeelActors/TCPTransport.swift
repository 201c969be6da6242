import CKeelLinux
import Foundation
import Glibc
import Synchronization

/// TCP transport: non-blocking sockets on the actor system's epoll ``EventLoop``, `TCP_NODELAY`,
/// length-prefixed frames, coalesced writes, bounded outbound queues.
public final class TCPTransport: Transport {
    /// A connection whose unsent bytes exceed this is closed: its peer stopped reading.
    public let maxOutboundBytes: Int
    /// `listen(2)` backlog.
    public let backlog: Int32
    private let listener = Mutex<TCPListener?>(nil)

    /// Creates a transport; the defaults suit a cluster master with thousands of agents.
    public init(maxOutboundBytes: Int = 64 << 20, backlog: Int32 = 1024) {
        self.maxOutboundBytes = maxOutboundBytes
        self.backlog = backlog
    }

    public func listen(on endpoint: Endpoint, context: TransportContext) throws -> Endpoint {
        let address = try SocketAddress.resolve(endpoint)
        let fd = socket(address.family, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SystemError.call("socket", errno) }
        SocketOptions.setNonBlocking(fd)
        SocketOptions.setReuseAddress(fd)
        let bound = address.withSockAddr { bind(fd, $0, $1) }
        guard bound == 0 else {
            let code = errno
            Glibc.close(fd)
            throw SystemError.call("bind \(endpoint)", code)
        }
        guard Glibc.listen(fd, backlog) == 0 else {
            let code = errno
            Glibc.close(fd)
            throw SystemError.call("listen", code)
        }
        let port = SocketAddress.localPort(of: fd) ?? endpoint.port
        let handler = TCPListener(fd: fd, context: context, maxOutboundBytes: maxOutboundBytes)
        listener.withLock { $0 = handler }
        do {
            try context.loop.register(fd: fd, writable: false, handler: handler)
        } catch {
            Glibc.close(fd)
            throw error
        }
        return Endpoint(host: endpoint.host, port: port)
    }

    public func connect(to endpoint: Endpoint, context: TransportContext) -> any TransportConnection {
        let pending = PendingTCPConnection(endpoint: endpoint, context: context, maxOutboundBytes: maxOutboundBytes)
        if SocketAddress.isNumeric(endpoint.host) {
            pending.start(address: Result { try SocketAddress.resolve(endpoint) })
        } else {
            // Name resolution may block: do it on a thread of our own, never on the loop or pool.
            let thread = Thread { pending.start(address: Result { try SocketAddress.resolve(endpoint) }) }
            thread.start()
        }
        return pending
    }

    public func stopListening() {
        guard let handler = listener.withLock({ state -> TCPListener? in defer { state = nil }; return state }) else { return }
        handler.stop()
    }
}

/// Accepts connections on a listening socket (loop thread).
final class TCPListener: EventLoopHandler {
    private let fd: Int32
    private let context: TransportContext
    private let maxOutboundBytes: Int
    private let stopped = Atomic<Bool>(false)

    init(fd: Int32, context: TransportContext, maxOutboundBytes: Int) {
        self.fd = fd
        self.context = context
        self.maxOutboundBytes = maxOutboundBytes
    }

    func handleEvent(readable: Bool, writable: Bool, hangup: Bool) {
        for _ in 0..<64 {
            let client = accept(fd, nil, nil)
            if client < 0 { return }
            SocketOptions.setNonBlocking(client)
            SocketOptions.setNoDelay(client)
            let connection = TCPConnection(
                fd: client, remote: SocketAddress.peerDescription(of: client), context: context,
                connecting: false, maxOutboundBytes: maxOutboundBytes)
            do {
                try context.loop.register(fd: client, writable: false, handler: connection)
            } catch {
                Glibc.close(client)
                continue
            }
            context.delegate.transport(accepted: connection)
        }
    }

    func stop() {
        guard !stopped.exchange(true, ordering: .relaxed) else { return }
        context.loop.execute { [self] in
            context.loop.deregister(fd: fd)
            Glibc.close(fd)
        }
    }
}

/// An outbound connection that may still be resolving or connecting. It forwards to the real
/// ``TCPConnection`` once the socket exists; frames sent before that wait in order.
final class PendingTCPConnection: TransportConnection {
    private enum State {
        case waiting([[UInt8]])
        case open(TCPConnection)
        case closed
    }

    let connectionID: UInt64
    let remoteDescription: String
    private let context: TransportContext
    private let maxOutboundBytes: Int
    private let state = Mutex<State>(.waiting([]))
    private let endpoint: Endpoint
    private static let nextID = Atomic<UInt64>(1 << 62)

    init(endpoint: Endpoint, context: TransportContext, maxOutboundBytes: Int) {
        self.connectionID = Self.nextID.wrappingAdd(1, ordering: .relaxed).oldValue
        self.remoteDescription = endpoint.description
        self.endpoint = endpoint
        self.context = context
        self.maxOutboundBytes = maxOutboundBytes
    }

    func start(address: Result<SocketAddress, Error>) {
        context.loop.execute { [self] in open(address) }
    }

    private func open(_ result: Result<SocketAddress, Error>) {
        let address: SocketAddress
        switch result {
        case .success(let resolved): address = resolved
        case .failure(let error): return fail("\(error)")
        }
        let fd = socket(address.family, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return fail("socket: \(String(cString: strerror(errno)))") }
        SocketOptions.setNonBlocking(fd)
        SocketOptions.setNoDelay(fd)
        let status = address.withSockAddr { Glibc.connect(fd, $0, $1) }
        if status != 0 && errno != EINPROGRESS {
            let reason = "connect failed: \(String(cString: strerror(errno)))"
            Glibc.close(fd)
            return fail(reason)
        }
        let inner = TCPConnection(
            fd: fd, remote: endpoint.description,
            context: TransportContext(loop: context.loop, maxFrameSize: context.maxFrameSize, delegate: Relay(outer: self, delegate: context.delegate)),
            connecting: true, maxOutboundBytes: maxOutboundBytes)
        let queued: [[UInt8]]? = state.withLock { state in
            guard case .waiting(let frames) = state else { return nil }
            state = .open(inner)
            return frames
        }
        guard let queued else {
            Glibc.close(fd)
            return
        }
        do {
            try context.loop.register(fd: fd, writable: true, handler: inner)
        } catch {
            Glibc.close(fd)
            return fail("\(error)")
        }
        for frame in queued { inner.send(frame) }
    }

    private func fail(_ reason: String) {
        let wasOpen = state.withLock { state -> Bool in
            if case .closed = state { return false }
            state = .closed
            return true
        }
        if wasOpen { context.delegate.transport(closed: self, reason: reason) }
    }

    func send(_ frame: [UInt8]) {
        let target = state.withLock { state -> TCPConnection? in
            switch state {
            case .waiting(var frames):
                frames.append(frame)
                state = .waiting(frames)
                return nil
            case .open(let connection): return connection
            case .closed: return nil
            }
        }
        target?.send(frame)
    }

    var isBacklogged: Bool {
        state.withLock { state -> Bool in
            if case .open(let connection) = state { return connection.isBacklogged }
            return false
        }
    }

    func waitForCapacity() async {
        let target = state.withLock { state -> TCPConnection? in
            if case .open(let connection) = state { return connection }
            return nil
        }
        await target?.waitForCapacity()
    }

    func close(reason: String) {
        let target = state.withLock { state -> TCPConnection? in
            if case .open(let connection) = state { return connection }
            return nil
        }
        if let target { target.close(reason: reason) } else {
            context.loop.execute { [self] in fail(reason) }
        }
    }

    /// Presents the inner connection's events as this object's, so the owner sees one identity.
    private final class Relay: TransportDelegate {
        let outer: PendingTCPConnection
        let delegate: any TransportDelegate
        init(outer: PendingTCPConnection, delegate: any TransportDelegate) {
            self.outer = outer
            self.delegate = delegate
        }
        func transport(accepted connection: any TransportConnection) {}
        func transport(connected connection: any TransportConnection) { delegate.transport(connected: outer) }
        func transport(_ connection: any TransportConnection, received frame: ArraySlice<UInt8>) {
            delegate.transport(outer, received: frame)
        }
        func transport(closed connection: any TransportConnection, reason: String) {
            outer.state.withLock { $0 = .closed }
            delegate.transport(closed: outer, reason: reason)
        }
    }
}
