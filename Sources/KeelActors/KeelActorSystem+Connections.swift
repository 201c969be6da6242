import Distributed
import KeelCodec

extension KeelActorSystem: TransportDelegate {
    var transportContext: TransportContext {
        TransportContext(loop: loop, maxFrameSize: configuration.maxFrameSize, delegate: self)
    }

    func makeHandshake(initiator: Bool) -> HandshakeStateMachine {
        HandshakeStateMachine(local: node, cluster: configuration.clusterName, secret: configuration.sharedSecret, initiator: initiator)
    }

    /// Starts an outbound connection to `endpoint` (loop thread).
    func dial(_ endpoint: Endpoint) {
        guard !isShutDown.load(ordering: .relaxed) else { return }
        let connection = transport.connect(to: endpoint, context: transportContext)
        let link = Link(connection: connection, outbound: true, dialedEndpoint: endpoint, handshake: makeHandshake(initiator: true), loop: loop)
        connections.value.links[link.id] = link
        connections.value.dialing[endpoint] = link.id
        logger.trace("dialling", ["peer": endpoint])
    }

    // MARK: TransportDelegate (loop thread)

    public func transport(accepted connection: any TransportConnection) {
        guard !isShutDown.load(ordering: .relaxed) else {
            connection.close(reason: "node shutting down")
            return
        }
        let link = Link(connection: connection, outbound: false, dialedEndpoint: nil, handshake: makeHandshake(initiator: false), loop: loop)
        connections.value.links[link.id] = link
        link.send(link.state.value.handshake.hello())
    }

    public func transport(connected connection: any TransportConnection) {
        guard let link = connections.value.links[connection.connectionID] else { return }
        link.send(link.state.value.handshake.hello())
    }

    public func transport(_ connection: any TransportConnection, received frame: ArraySlice<UInt8>) {
        guard let link = connections.value.links[connection.connectionID] else { return }
        // Coarse (a kernel tick, a few ms): only liveness, judged at heartbeat granularity, reads it.
        link.state.value.lastReceived = MonotonicClock.coarseNanoseconds()
        guard let first = frame.first, let kind = FrameKind(rawValue: first) else {
            return reject(link, "unknown frame kind 0x\(String(frame.first ?? 0, radix: 16))")
        }
        var reader = ByteReader(frame.dropFirst())
        if kind == .goodbye {
            let reason = (try? reader.readString(maxLength: 1024)) ?? "no reason given"
            logger.notice("peer said goodbye", ["peer": connection.remoteDescription, "reason": reason])
            connection.close(reason: "peer said goodbye: \(reason)")
            return
        }
        guard link.state.value.handshake.isEstablished else {
            let actions = link.state.value.handshake.receive(kind: kind, &reader)
            for action in actions {
                switch action {
                case .send(let bytes): link.send(bytes)
                case .established(let peer): established(link, peer: peer)
                case .reject(let reason): reject(link, reason)
                }
            }
            return
        }
        do {
            switch kind {
            case .call: try receiveCall(on: link, &reader)
            case .reply: try receiveReply(&reader)
            case .ping: break
            case .watch: receiveWatch(on: link, path: try reader.readString(maxLength: 1024))
            case .unwatch: receiveUnwatch(on: link, path: try reader.readString(maxLength: 1024))
            case .terminated:
                let incarnation = try reader.readUInt64BE()
                let path = try reader.readString(maxLength: 1024)
                if let peer = link.state.value.peer {
                    fireWatches(for: ActorID(node: NodeID(endpoint: peer.endpoint, incarnation: incarnation), path: path), reason: .stopped)
                }
            case .hello, .auth, .goodbye:
                reject(link, "unexpected \(kind) frame after the handshake")
            }
        } catch {
            reject(link, "malformed \(kind) frame: \(error)")
        }
    }

    public func transport(closed connection: any TransportConnection, reason: String) {
        guard let link = connections.value.links.removeValue(forKey: connection.connectionID) else { return }
        link.state.value.closed = true
        link.isClosed.store(true, ordering: .relaxed)
        if !link.outbound && !link.state.value.handshake.isEstablished && !isShutDown.load(ordering: .relaxed) {
            logger.warning("closed connection before the handshake completed", ["peer": connection.remoteDescription, "reason": reason])
        } else if link.state.value.handshake.isEstablished && !reason.hasPrefix("peer") && !isShutDown.load(ordering: .relaxed) {
            logger.info("connection closed", ["peer": connection.remoteDescription, "reason": reason])
        }
        for path in link.state.value.watchedPaths {
            connections.value.remoteWatchers[path]?.remove(link.id)
            if connections.value.remoteWatchers[path]?.isEmpty == true { connections.value.remoteWatchers[path] = nil }
        }
        if let dialed = link.dialedEndpoint, connections.value.dialing[dialed] == link.id {
            connections.value.dialing[dialed] = nil
            if !link.state.value.handshake.isEstablished {
                dialFailed(dialed, reason: reason)
                return
            }
        }
        // Every endpoint whose route used this link loses it: fail its calls, fire its watches. Only
        // the peer's own endpoint and the one dialled can route over a link (see `established`), so
        // those are the only routes to look at — not every peer's (a master has one per agent).
        var candidates: [Endpoint] = []
        if let peer = link.state.value.peer { candidates.append(peer.endpoint) }
        if let dialed = link.dialedEndpoint, !candidates.contains(dialed) { candidates.append(dialed) }
        let lost = routes.withLock { table -> [Endpoint] in
            candidates.filter { endpoint in
                guard case .established(let routed, _)? = table[endpoint], routed === link else { return false }
                table[endpoint] = nil
                return true
            }
        }
        for endpoint in lost {
            if isShutDown.load(ordering: .relaxed) {
                logger.debug("connection closed", ["peer": endpoint, "reason": reason])
            } else {
                logger.info("connection lost", ["peer": endpoint, "reason": reason])
            }
            failCalls(to: endpoint, ActorSystemError.connectionClosed(endpoint, reason: reason))
            fireWatches(endpoint: endpoint, reason: .nodeDown(reason))
        }
    }

    // MARK: Handshake outcomes

    private func established(_ link: Link, peer: NodeID) {
        link.state.value.peer = peer
        var keys = [peer.endpoint]
        if let dialed = link.dialedEndpoint, dialed != peer.endpoint { keys.append(dialed) }
        for key in keys {
            if let previous = connections.value.incarnations[key], previous != peer.incarnation {
                fireWatches(endpoint: key, reason: .nodeRestarted, except: peer.incarnation)
            }
            connections.value.incarnations[key] = peer.incarnation
        }
        if let dialed = link.dialedEndpoint, connections.value.dialing[dialed] == link.id {
            connections.value.dialing[dialed] = nil
        }
        routes.withLock { table in
            for key in keys {
                switch table[key] {
                case .connecting(let queued, _)? where link.outbound && key == link.dialedEndpoint:
                    for (_, frame) in queued { link.send(frame) }
                    table[key] = .established(link, peer)
                case nil, .backingOff?:
                    table[key] = .established(link, peer)
                default:
                    break
                }
            }
        }
        let waiters = endpointWaiters.withLock { table in keys.flatMap { table.removeValue(forKey: $0) ?? [] } }
        for waiter in waiters { waiter.resume(returning: .success(peer)) }
        logger.debug("connection established", ["peer": peer, "outbound": link.outbound])
    }

    private func dialFailed(_ endpoint: Endpoint, reason: String) {
        let error = ActorSystemError.connectionFailed(endpoint, reason: reason)
        routes.withLock { table in
            guard case .connecting(_, let failures)? = table[endpoint] else { return }
            let initial = UInt64(max(1, configuration.reconnectBackoffInitial.nanoseconds))
            let maximum = UInt64(max(1, configuration.reconnectBackoffMax.nanoseconds))
            let delay = min(maximum, initial << UInt64(min(failures, 30)))
            table[endpoint] = .backingOff(until: MonotonicClock.nanoseconds() &+ delay, failures: failures + 1, reason: reason)
        }
        logger.debug("cannot connect", ["peer": endpoint, "reason": reason])
        failCalls(to: endpoint, error)
        let waiters = endpointWaiters.withLock { $0.removeValue(forKey: endpoint) ?? [] }
        for waiter in waiters { waiter.resume(returning: .failure(error)) }
        fireWatches(endpoint: endpoint, reason: .nodeDown(reason))
    }

    /// Sends a goodbye with `reason` and closes the link.
    func reject(_ link: Link, _ reason: String) {
        logger.warning("closing connection", ["peer": link.connection.remoteDescription, "reason": reason])
        link.send(Frames.goodbye(reason))
        link.connection.close(reason: reason)
    }

    func failCalls(to endpoint: Endpoint, _ error: ActorSystemError) {
        for continuation in pending.withLock({ $0.takeAll(endpoint: endpoint) }) {
            continuation.resume(returning: .failure(error))
        }
    }

    /// Waits until a connection to `endpoint` is established and returns the peer's identity.
    func nodeID(at endpoint: Endpoint) async throws -> NodeID {
        if case .established(_, let node)? = routes.withLock({ $0[endpoint] }) { return node }
        let result = await withUnsafeContinuation { (continuation: UnsafeContinuation<Result<NodeID, ActorSystemError>, Never>) in
            if isShutDown.load(ordering: .relaxed) { return continuation.resume(returning: .failure(.shutDown)) }
            endpointWaiters.withLock { $0[endpoint, default: []].append(continuation) }
            let dial = routes.withLock { table -> Bool in
                switch table[endpoint] {
                case .established?, .connecting?: return false
                case .backingOff(let until, let failures, _)?:
                    guard MonotonicClock.nanoseconds() >= until else { return false }
                    table[endpoint] = .connecting(queued: [], failures: failures)
                    return true
                case nil:
                    table[endpoint] = .connecting(queued: [], failures: 0)
                    return true
                }
            }
            switch routes.withLock({ $0[endpoint] }) {
            case .established(_, let node)?:
                if let waiter = endpointWaiters.withLock({ $0[endpoint]?.popLast() }) { waiter.resume(returning: .success(node)) }
            case .backingOff(_, _, let reason)?:
                if let waiter = endpointWaiters.withLock({ $0[endpoint]?.popLast() }) {
                    waiter.resume(returning: .failure(.connectionFailed(endpoint, reason: reason)))
                }
            default:
                if dial { loop.execute { [self] in self.dial(endpoint) } }
            }
        }
        return try result.get()
    }

    // MARK: Frames

    private func receiveCall(on link: Link, _ reader: inout ByteReader) throws {
        let callID = try reader.readVarUInt()
        let calleeIncarnation = try reader.readUInt64BE()
        let (path, found) = try link.state.value.recipients.read(&reader, generation: registryGeneration.load(ordering: .acquiring)) { path in
            registry.withLock { $0.entries[path] }
        }
        let call = try link.state.value.callTargets.read(&reader)
        // Only the error replies need the recipient's full identity.
        func deadLetter(_ reason: String) {
            let recipient = ActorID(node: NodeID(endpoint: endpoint, incarnation: calleeIncarnation), path: path)
            link.send(errorReply(callID: callID, error: ActorSystemError.deadLetter(recipient, reason: reason)))
        }
        guard calleeIncarnation == incarnation else { return deadLetter("node incarnation is gone") }
        guard let entry = found, entry.isAlive else { return deadLetter("no such actor") }
        // Copy the arguments out of the transport's read buffer; they are decoded when the target runs.
        let arguments = ByteReader(Array(try reader.readRaw(count: reader.remaining)))
        let handler = KeelResultHandler(callID: callID, link: link, system: self)
        // The task prefers this loop, so the target's code runs here without a thread hop. It starts
        // at once, in this read handler, and runs until its first hop (into the target actor): the
        // start costs no trip through the loop's queue, and calls reach each actor in arrival order
        // (per-pair FIFO).
        Task.immediate(executorPreference: loop) {
            var decoder = KeelInvocationDecoder(reader: arguments, genericSubstitutions: call.genericSubstitutions, system: self)
            do {
                try await entry.execute(system: self, call: call, decoder: &decoder, handler: handler)
            } catch {
                let mapped: any Error = error is ActorSystemError ? error : ActorSystemError.unknownTarget("\(call.name): \(error)")
                handler.sendError(mapped)
            }
        }
    }

    func receiveReply(_ reader: inout ByteReader) throws {
        let callID = try reader.readVarUInt()
        let statusByte = try reader.readByte()
        guard let status = ReplyStatus(rawValue: statusByte) else { throw ActorSystemError.serialization("unknown reply status \(statusByte)") }
        switch status {
        case .value:
            let length = try reader.readUInt32BE()
            let bytes = try reader.readRaw(count: Int(length))
            completeReply(callID, .success(ArraySlice(Array(bytes))))
        case .void:
            completeReply(callID, .success([]))
        case .error:
            completeReply(callID, .failure(try decodeErrorReply(&reader)))
        }
    }

    // MARK: Timers (loop thread)

    func tick() {
        let now = MonotonicClock.nanoseconds()
        for (continuation, error) in pending.withLock({ $0.takeExpired(now: now) }) {
            continuation.resume(returning: .failure(error))
        }
        // Liveness is judged in seconds, so links are looked at an eighth of the shortest liveness
        // period apart (125 ms by default), not on every tick: a master has a link per agent, and
        // visiting 50,000 of them a hundred times a second would take much of its loop.
        let interval = UInt64(max(1, configuration.heartbeatInterval.nanoseconds))
        let timeout = UInt64(max(1, configuration.heartbeatTimeout.nanoseconds))
        let handshakeTimeout = UInt64(max(1, configuration.handshakeTimeout.nanoseconds))
        let resolution = UInt64(max(1, configuration.timerResolution.nanoseconds))
        let scanEvery = max(resolution, min(interval, timeout, handshakeTimeout) / 8)
        let previousScan = lastTick.load(ordering: .relaxed)
        guard previousScan == 0 || now &- previousScan >= scanEvery else { return }
        lastTick.store(now, ordering: .relaxed)
        // If this loop itself was stalled (CPU starvation, a long job), silence is our fault, not
        // the peers': restart their liveness clocks instead of declaring them down.
        let stalled = previousScan != 0 && now &- previousScan > max(interval, 4 * scanEvery)
        for link in connections.value.links.values {
            // Fields read in place: a copy of the whole state (caches, watched paths) per link per
            // scan cost more than the checks.
            if stalled { link.state.value.lastReceived = max(link.state.value.lastReceived, now &- interval) }
            if link.state.value.handshake.isEstablished {
                let lastReceived = link.state.value.lastReceived
                if now &- lastReceived >= timeout {
                    link.connection.close(reason: "nothing received for \((now &- lastReceived) / 1_000_000) ms (heartbeat timeout)")
                } else if now &- link.lastSent.load(ordering: .relaxed) >= interval {
                    link.send(Frames.ping())
                }
            } else if now &- link.state.value.createdAt >= handshakeTimeout {
                link.connection.close(reason: "connect and handshake not completed within \(handshakeTimeout / 1_000_000) ms")
            }
        }
    }
}
