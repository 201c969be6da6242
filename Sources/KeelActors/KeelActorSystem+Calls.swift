import Distributed
import KeelCodec

extension KeelActorSystem {
    public func makeInvocationEncoder() -> KeelInvocationEncoder {
        KeelInvocationEncoder(encoder: encoder, substitutionNames: substitutionNames)
    }

    // `nonisolated(nonsending)`: the call is encoded, sent and resumed on the caller's executor (the
    // distributed thunk's), without a hop of its own into the global pool — which, for a caller on an
    // event loop, is a thread wake-up each way.
    nonisolated(nonsending) public func remoteCall<Act, Err, Res>(
        on actor: Act, target: RemoteCallTarget, invocation: inout InvocationEncoder,
        throwing: Err.Type, returning: Res.Type
    ) async throws -> Res where Act: DistributedActor, Act.ID == ActorID, Err: Error, Res: Codable {
        let payload = try await call(actor.id, target: target, invocation: &invocation)
        do {
            return try makeDecoder().decode(Res.self, from: payload)
        } catch {
            throw ActorSystemError.serialization("result of \(target.identifier) as \(Res.self): \(error)")
        }
    }

    nonisolated(nonsending) public func remoteCallVoid<Act, Err>(
        on actor: Act, target: RemoteCallTarget, invocation: inout InvocationEncoder, throwing: Err.Type
    ) async throws where Act: DistributedActor, Act.ID == ActorID, Err: Error {
        _ = try await call(actor.id, target: target, invocation: &invocation)
    }

    /// Sends one call and waits for its outcome; returns the encoded result.
    nonisolated(nonsending) private func call(_ recipient: ActorID, target: RemoteCallTarget, invocation: inout InvocationEncoder) async throws -> ArraySlice<UInt8> {
        if isShutDown.load(ordering: .relaxed) { throw ActorSystemError.shutDown }
        let destination = recipient.node.endpoint
        var localEntry: (any LocalActorEntry)?
        if isOwnEndpoint(destination) {
            // A local actor reached through a stub type (e.g. a `$Protocol` resolved on the same node):
            // run it here, through the same encode/dispatch/decode path as a remote call.
            guard recipient.node.incarnation == incarnation,
                  let entry = registry.withLock({ $0.entries[recipient.path] }), entry.isAlive else {
                throw ActorSystemError.deadLetter(recipient, reason: recipient.node.incarnation == incarnation ? "no such actor" : "node incarnation is gone")
            }
            localEntry = entry
        }
        let callID = nextCallID.wrappingAdd(1, ordering: .relaxed).oldValue
        var writer = Frames.start(.call, capacity: 48 + recipient.path.utf8.count + target.identifier.utf8.count + invocation.arguments.count)
        writer.writeVarUInt(callID)
        writer.writeUInt64BE(recipient.node.incarnation)
        writer.writeString(recipient.path)
        writer.writeString(target.identifier)
        writer.writeVarUInt(UInt64(invocation.substitutionCount))
        if let first = invocation.firstSubstitution { writer.writeString(first) }
        for name in invocation.moreSubstitutions { writer.writeString(name) }
        writer.writeRaw(invocation.arguments.bytes)
        if writer.count > configuration.maxFrameSize {
            throw ActorSystemError.frameTooLarge(size: writer.count, limit: configuration.maxFrameSize)
        }
        let frame = Frames.finish(&writer)
        // One routing lookup serves backpressure (a connection with a large unsent backlog makes new
        // callers wait for it to drain) and, while the connection stays up, the send below.
        var directLink: Link?
        if localEntry == nil, let (link, node) = routes.withLock({ $0.established(destination) }),
           node.incarnation == recipient.node.incarnation {
            if link.connection.isBacklogged { await link.connection.waitForCapacity() }
            directLink = link
        }
        let callerOnLoop = loop.inEventLoop
        let timeout = CallOptions.timeout.map { UInt64(max(0, $0.nanoseconds)) } ?? callTimeoutNanos
        let deadline = MonotonicClock.nanoseconds() &+ timeout
        let outcome = await withTaskCancellationHandler {
            await withUnsafeContinuation { (continuation: UnsafeContinuation<CallOutcome, Never>) in
                // The entry goes in with its continuation, and the link's closed flag is read under the same
                // lock: either the close's `failCalls` (which takes this lock after setting the flag) sees this
                // call, or this sees the flag and routes afresh.
                let linkOpen = pending.withLock { table -> Bool in
                    table.insert(callID, continuation, recipient: recipient, target: target.identifier, deadline: deadline, timeoutNanos: timeout, callerOnLoop: callerOnLoop)
                    return directLink.map { !$0.isClosed.load(ordering: .relaxed) } ?? false
                }
                // A cancellation that came before the entry existed — including one before this call began —
                // found nothing to end (the task's flag is set before its handlers run, so it shows here, checked
                // once per call); a shutdown that began after the check at the top has
                // failed the calls it found under the lock just taken (so either it saw this one or this sees its
                // flag) and is stopping the loop, where a route dialled now would never be served.
                if Task.isCancelled {
                    complete(callID, .failure(CancellationError()))
                    return
                }
                if isShutDown.load(ordering: .acquiring) {
                    complete(callID, .failure(ActorSystemError.shutDown))
                    return
                }
                if let localEntry {
                    dispatchLocally(frame, callID: callID, entry: localEntry)
                } else if linkOpen, let directLink {
                    directLink.send(frame)
                } else {
                    route(frame, callID: callID, to: recipient)
                }
            }
        } onCancel: {
            complete(callID, .failure(CancellationError()))
        }
        switch outcome {
        case .success(let payload): return payload
        case .failure(let error): throw error
        }
    }

    /// Runs a call addressed to this node as if it had arrived from the network (same ordering:
    /// tasks on the loop start in call order), replying through ``deliverLocalReply(_:)``.
    private func dispatchLocally(_ frame: [UInt8], callID: UInt64, entry: any LocalActorEntry) {
        var reader = ByteReader(frame[(FrameBuffer.headerSize + 1)...])
        do {
            let header = try CallHeader.parse(&reader)
            let arguments = ByteReader(Array(try reader.readRaw(count: reader.remaining)))
            let handler = KeelResultHandler(callID: callID, link: nil, system: self)
            let call = CallTarget(encoded: [], name: header.target, genericSubstitutions: header.genericSubstitutions)
            Task(executorPreference: loop) {
                var decoder = KeelInvocationDecoder(reader: arguments, genericSubstitutions: header.genericSubstitutions, system: self)
                do {
                    try await entry.execute(system: self, call: call, decoder: &decoder, handler: handler)
                } catch {
                    let mapped: any Error = error is ActorSystemError ? error : ActorSystemError.unknownTarget("\(call.name): \(error)")
                    handler.sendError(mapped)
                }
            }
        } catch {
            complete(callID, .failure(ActorSystemError.serialization("local call: \(error)")))
        }
    }

    /// Completes a local call from its encoded reply frame.
    func deliverLocalReply(_ frame: [UInt8]) {
        var reader = ByteReader(frame[(FrameBuffer.headerSize + 1)...])
        try? receiveReply(&reader)
    }

    /// Resolves a pending call from its reply; a no-op when it already ended. Read on the loop, the
    /// reply of a caller elsewhere resumes it with the iteration's others (``OffLoopResumptions``).
    func completeReply(_ callID: UInt64, _ outcome: CallOutcome) {
        guard let (continuation, callerOnLoop) = pending.withLock({ $0.takeWithPlace(callID) }) else { return }
        if callerOnLoop || !loop.inEventLoop {
            continuation.resume(returning: outcome)
        } else if offLoopResumptions.value.add(continuation, outcome) {
            loop.runAfterIteration { [self] in OffLoopResumptions.resume(offLoopResumptions.value.flush()) }
        }
    }

    /// Resolves a pending call (from any thread); a no-op when it already ended.
    func complete(_ callID: UInt64, _ outcome: CallOutcome) {
        pending.withLock { $0.take(callID) }?.resume(returning: outcome)
    }

    /// Chooses how to reach the recipient's node and hands the frame over, atomically with respect
    /// to route changes, so frames from one sender keep their order.
    func route(_ frame: [UInt8], callID: UInt64?, to recipient: ActorID) {
        let destination = recipient.node.endpoint
        enum Decision { case send(Link), fail(ActorSystemError), queued, dial }
        let decision = routes.withLock { table -> Decision in
            switch table[destination] {
            case .established(let link, let node)?:
                if node.incarnation != recipient.node.incarnation {
                    return .fail(.deadLetter(recipient, reason: "node restarted (now incarnation \(String(node.incarnation, radix: 16)))"))
                }
                return .send(link)
            case .connecting?:
                _ = table.enqueue(frame, callID: callID, on: destination)
                return .queued
            case .backingOff(let until, let failures, let reason)?:
                let now = MonotonicClock.nanoseconds()
                if now < until {
                    return .fail(.connectionFailed(destination, reason: "\(reason) (retrying in \((until - now) / 1_000_000) ms)"))
                }
                table[destination] = .connecting(queued: [(callID, frame)], failures: failures)
                return .dial
            case nil:
                table[destination] = .connecting(queued: [(callID, frame)], failures: 0)
                return .dial
            }
        }
        switch decision {
        case .send(let link): link.send(frame)
        case .fail(let error):
            if let callID {
                complete(callID, .failure(error))
            } else {
                // Only watch requests travel without a call ID: an unreachable node fires the watch.
                let reason: TerminationReason = if case .deadLetter = error { .nodeRestarted } else { .nodeDown(error.description) }
                fireWatches(for: recipient, reason: reason)
            }
        case .queued: break
        case .dial: loop.execute { [self] in dial(destination) }
        }
    }

    /// Builds an error reply for `callID`: registered `Codable` errors travel as themselves,
    /// everything else as type name plus description.
    func errorReply(callID: UInt64, error: any Error) -> [UInt8] {
        var writer = Frames.replyHeader(callID: callID, status: .error, capacity: 128)
        let typeName = String(reflecting: type(of: error))
        writer.writeString(typeName)
        writer.writeString(String(describing: error))
        var payload: [UInt8] = []
        if errorTypes.withLock({ $0[typeName] }) != nil, let encodable = error as? any Encodable {
            payload = (try? encoder.encode(encodable)) ?? []
        }
        writer.writeLengthPrefixed(payload)
        return Frames.finish(&writer)
    }

    /// Decodes an error reply into the error to throw at the caller.
    func decodeErrorReply(_ reader: inout ByteReader) throws -> any Error {
        let typeName = try reader.readString(maxLength: 1024)
        let message = try reader.readString(maxLength: 1 << 20)
        let payload = try reader.readLengthPrefixed()
        if !payload.isEmpty, let type = errorTypes.withLock({ $0[typeName] }) {
            func decode<E: Error & Codable>(_ type: E.Type) throws -> any Error { try makeDecoder().decode(E.self, from: payload) }
            if let error = try? decode(type) { return error }
        }
        return RemoteCallError(typeName: typeName, message: message)
    }
}
