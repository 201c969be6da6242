import Distributed
import Synchronization

/// Why a watched actor is considered gone.
public enum TerminationReason: Sendable, Equatable, CustomStringConvertible {
    /// The actor deinitialised (or never existed / was already gone when watched).
    case stopped
    /// The connection to its node was lost: the peer closed it, the heartbeat timed out, or the
    /// node could not be reached. Like libprocess' `exited`, this counts as termination.
    case nodeDown(String)
    /// Its node came back with a new incarnation: the old actor cannot exist any more.
    case nodeRestarted

    public var description: String {
        switch self {
        case .stopped: "stopped"
        case .nodeDown(let reason): "node down: \(reason)"
        case .nodeRestarted: "node restarted"
        }
    }
}

/// A watched actor's termination.
public struct ActorTermination: Sendable, Equatable, CustomStringConvertible {
    /// The actor that is gone.
    public var id: ActorID
    /// Why.
    public var reason: TerminationReason

    /// Creates a termination record.
    public init(id: ActorID, reason: TerminationReason) {
        self.id = id
        self.reason = reason
    }

    public var description: String { "\(id) terminated: \(reason)" }
}

/// Identifies one ``KeelActorSystem/watch(_:onTermination:)`` registration.
public struct WatchToken: Hashable, Sendable {
    let id: ActorID
    let number: UInt64
}

extension KeelActorSystem {
    /// Calls `onTermination` once when the actor `id` terminates: it deinitialises, its node goes
    /// down (connection lost or heartbeat timeout), or its node restarts. Fires promptly (on the
    /// event loop) when the actor is already gone. The callback must not block.
    @discardableResult
    public func watch(_ id: ActorID, onTermination: @escaping @Sendable (ActorTermination) -> Void) -> WatchToken {
        let (token, first) = watches.withLock { $0.add(id, onTermination) }
        if isOwnEndpoint(id.node.endpoint) {
            let alive = id.node.incarnation == incarnation && registry.withLock { $0.entries[id.path]?.isAlive ?? false }
            if !alive {
                let reason: TerminationReason = id.node.incarnation == incarnation ? .stopped : .nodeRestarted
                loop.execute { [self] in fireWatches(for: id, reason: reason) }
            }
        } else if first {
            route(Frames.watch(.watch, path: id.path), callID: nil, to: id)
        }
        return token
    }

    /// Removes a watch; its callback will not be called after this returns (unless already running).
    public func unwatch(_ token: WatchToken) {
        let last = watches.withLock { $0.remove(token) }
        if last, token.id.node.endpoint != endpoint,
           case .established(let link, let node)? = routes.withLock({ $0[token.id.node.endpoint] }),
           node.incarnation == token.id.node.incarnation {
            link.send(Frames.watch(.unwatch, path: token.id.path))
        }
    }

    /// Suspends until the actor `id` terminates and returns why. Cancelling the task stops waiting
    /// and returns nil.
    public func termination(of id: ActorID) async -> ActorTermination? {
        let box = TerminationWait()
        return await withTaskCancellationHandler {
            await withUnsafeContinuation { (continuation: UnsafeContinuation<ActorTermination?, Never>) in
                box.arm(continuation)
                let token = watch(id) { termination in box.resume(termination) }
                box.setToken(token)
            }
        } onCancel: {
            if let token = box.cancel() { unwatch(token) }
        }
    }

    /// Fires and removes the watches of one actor.
    func fireWatches(for id: ActorID, reason: TerminationReason) {
        let callbacks = watches.withLock { $0.removeAll(of: id) }
        for callback in callbacks.values { callback(ActorTermination(id: id, reason: reason)) }
    }

    /// Fires and removes the watches of every actor on `endpoint` (except those of incarnation `except`).
    func fireWatches(endpoint: Endpoint, reason: TerminationReason, except: UInt64? = nil) {
        let fired = watches.withLock { $0.removeAll(on: endpoint, except: except) }
        for (id, callbacks) in fired {
            for callback in callbacks.values { callback(ActorTermination(id: id, reason: reason)) }
        }
    }

    /// A local actor resigned: tell local and remote watchers (loop thread for the remote part).
    func actorTerminated(_ id: ActorID) {
        fireWatches(for: id, reason: .stopped)
        loop.execute { [self] in
            guard let watcherLinks = connections.value.remoteWatchers.removeValue(forKey: id.path) else { return }
            let frame = Frames.terminated(incarnation: incarnation, path: id.path)
            for linkID in watcherLinks {
                guard let link = connections.value.links[linkID] else { continue }
                link.state.value.watchedPaths.remove(id.path)
                link.send(frame)
            }
        }
    }

    func receiveWatch(on link: Link, path: String) {
        if registry.withLock({ $0.entries[path]?.isAlive ?? false }) {
            connections.value.remoteWatchers[path, default: []].insert(link.id)
            link.state.value.watchedPaths.insert(path)
        } else {
            link.send(Frames.terminated(incarnation: incarnation, path: path))
        }
    }

    func receiveUnwatch(on link: Link, path: String) {
        connections.value.remoteWatchers[path]?.remove(link.id)
        if connections.value.remoteWatchers[path]?.isEmpty == true { connections.value.remoteWatchers[path] = nil }
        link.state.value.watchedPaths.remove(path)
    }
}

/// Bridges a watch callback to one continuation, tolerating every ordering of fire and cancel.
private final class TerminationWait: Sendable {
    private struct State {
        var continuation: UnsafeContinuation<ActorTermination?, Never>?
        var token: WatchToken?
        var done = false
    }
    private let state = Mutex(State())

    func arm(_ continuation: UnsafeContinuation<ActorTermination?, Never>) {
        let cancelled = state.withLock { state -> Bool in
            if state.done { return true }
            state.continuation = continuation
            return false
        }
        if cancelled { continuation.resume(returning: nil) }
    }

    func setToken(_ token: WatchToken) { state.withLock { $0.token = token } }

    func resume(_ termination: ActorTermination) {
        let continuation = state.withLock { state -> UnsafeContinuation<ActorTermination?, Never>? in
            state.done = true
            defer { state.continuation = nil }
            return state.continuation
        }
        continuation?.resume(returning: termination)
    }

    func cancel() -> WatchToken? {
        let (continuation, token) = state.withLock { state -> (UnsafeContinuation<ActorTermination?, Never>?, WatchToken?) in
            state.done = true
            defer { state.continuation = nil }
            return (state.continuation, state.token)
        }
        continuation?.resume(returning: nil)
        return token
    }
}
