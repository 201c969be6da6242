import Distributed
import KeelCodec
import KeelCrypto
import KeelLog
import Synchronization

/// Keel's `DistributedActorSystem`: identity, registry, calls and failure detection for
/// distributed actors, over TCP or the in-process ``MemoryNetwork``.
///
/// One system is one *node*. It listens on an endpoint, keeps one connection per peer node (used in
/// both directions), and runs incoming calls on its ``EventLoop``. Guarantees callers may rely on:
/// - Calls from one sender actor to one receiver actor start in the order they were made (per-pair
///   FIFO), as long as the connection stays up.
/// - Every call ends: with the result, the remote error, or an ``ActorSystemError`` (timeout,
///   connection closed, dead letter, cancellation as `CancellationError`).
/// - A call to an actor of a node incarnation that is gone fails with ``ActorSystemError/deadLetter(_:reason:)``.
public final class KeelActorSystem: DistributedActorSystem, Sendable {
    public typealias ActorID = KeelActors.ActorID
    public typealias InvocationEncoder = KeelInvocationEncoder
    public typealias InvocationDecoder = KeelInvocationDecoder
    public typealias ResultHandler = KeelResultHandler
    public typealias SerializationRequirement = any Codable

    /// The settings the system was started with.
    public let configuration: ActorSystemConfiguration
    /// The loop running this node's I/O, timers and incoming calls.
    public let loop: EventLoop
    /// This process's random incarnation number.
    public let incarnation: UInt64
    let logger: Logger
    let transport: any Transport
    let encoder = BinaryEncoder()
    /// `CodingUserInfoKey.actorSystemKey`, built once: the standard library makes it anew (a lazily
    /// initialised global and a string) on every access, and every decoder needs it.
    private let actorSystemUserInfoKey = CodingUserInfoKey.actorSystemKey
    /// ``ActorSystemConfiguration/callTimeout`` in nanoseconds, converted once rather than per call.
    let callTimeoutNanos: UInt64
    let substitutionNames = SubstitutionNames()

    /// The host peers reach this node at; with ``boundPort``, this node's ``endpoint``.
    private let advertisedHost: String
    /// The port the listener bound (stored once, in `init`): read without a lock on every call.
    private let boundPort: Atomic<Int>
    let registry = Mutex(Registry())
    /// Bumped (under the registry's lock) whenever an actor is registered or resigned, so caches of
    /// registry lookups (``RecipientCache``) know when to look again.
    let registryGeneration = Atomic<UInt64>(0)
    let routes = Mutex(RouteTable())
    let pending: Mutex<PendingCalls>
    let connections: LoopBound<ConnectionTable>
    /// Replies read in this loop iteration for callers not on the loop, resumed together.
    let offLoopResumptions: LoopBound<OffLoopResumptions>
    let watches = Mutex(WatchTable())
    let wireTypes = Mutex<[String: Any.Type]>([:])
    let errorTypes = Mutex<[String: any (Error & Codable).Type]>([:])
    let endpointWaiters = Mutex<[Endpoint: [UnsafeContinuation<Result<NodeID, ActorSystemError>, Never>]]>([:])
    let nextCallID = Atomic<UInt64>(1)
    let isShutDown = Atomic<Bool>(false)
    /// When the timer last looked at every link's liveness (monotonic ns; 0 before the first time).
    let lastTick = Atomic<UInt64>(0)
    private let tickTimer = Mutex<ScheduledTimer?>(nil)

    /// Starts a node: its event loop, and a listener on `configuration.host:port`.
    /// - Throws: ``SystemError`` when the address cannot be bound.
    public init(_ configuration: ActorSystemConfiguration = ActorSystemConfiguration()) throws {
        self.configuration = configuration
        self.callTimeoutNanos = UInt64(max(0, configuration.callTimeout.nanoseconds))
        var incarnation: UInt64 = 0
        while incarnation == 0 {
            incarnation = SecureRandom.bytes(8).reduce(0) { $0 << 8 | UInt64($1) }
        }
        self.incarnation = incarnation
        self.logger = configuration.logger.with("node", configuration.name)
        self.loop = try EventLoop(name: "keel-\(configuration.name)", busyPoll: configuration.busyPoll, logger: logger)
        self.transport = configuration.transport.make()
        self.advertisedHost = configuration.advertisedHost ?? configuration.host
        self.boundPort = Atomic(configuration.port)
        self.pending = Mutex(PendingCalls(resolutionNanos: UInt64(max(1, configuration.timerResolution.nanoseconds))))
        self.connections = LoopBound(ConnectionTable(), loop: loop)
        self.offLoopResumptions = LoopBound(OffLoopResumptions(), loop: loop)
        registerErrorType(ActorSystemError.self)
        registerErrorType(RemoteCallError.self)
        do {
            let bound = try transport.listen(
                on: Endpoint(host: configuration.host, port: configuration.port),
                context: TransportContext(loop: loop, maxFrameSize: configuration.maxFrameSize, delegate: self))
            boundPort.store(bound.port, ordering: .releasing)
        } catch {
            loop.shutdown()
            throw error
        }
        scheduleTick()
        logger.debug("actor system started", ["endpoint": endpoint, "incarnation": String(incarnation, radix: 16)])
    }

    /// The address peers use to reach this node.
    public var endpoint: Endpoint { Endpoint(host: advertisedHost, port: boundPort.load(ordering: .acquiring)) }

    /// Whether `other` is this node's ``endpoint`` (without building one).
    func isOwnEndpoint(_ other: Endpoint) -> Bool {
        other.port == boundPort.load(ordering: .acquiring) && other.host == advertisedHost
    }

    /// This node's identity.
    public var node: NodeID { NodeID(endpoint: endpoint, incarnation: incarnation) }

    // MARK: Identity and registry

    public func assignID<Act>(_ actorType: Act.Type) -> ActorID where Act: DistributedActor, Act.ID == ActorID {
        let wanted = ActorNaming.pendingName
        let path = registry.withLock { registry -> String in
            if let wanted, registry.reservedNames.remove(wanted) != nil { return wanted }
            defer { registry.nextID += 1 }
            return "$\(registry.nextID)"
        }
        return ActorID(node: node, path: path)
    }

    public func actorReady<Act>(_ actor: Act) where Act: DistributedActor, Act.ID == ActorID {
        registry.withLock {
            $0.entries[actor.id.path] = TypedActorEntry(actor)
            registryGeneration.wrappingAdd(1, ordering: .releasing)
        }
    }

    public func resignID(_ id: ActorID) {
        let removed = registry.withLock {
            registryGeneration.wrappingAdd(1, ordering: .releasing)
            return $0.entries.removeValue(forKey: id.path)
        } != nil
        guard removed else { return }
        actorTerminated(id)
    }

    public func resolve<Act>(id: ActorID, as actorType: Act.Type) throws -> Act? where Act: DistributedActor, Act.ID == ActorID {
        guard id.node.incarnation == incarnation, isOwnEndpoint(id.node.endpoint) else { return nil }
        return registry.withLock { $0.entries[id.path] }?.actor as? Act
    }

    /// Creates a well-known actor whose path is `name`, so peers can address it knowing only this
    /// node's endpoint (see ``actorID(named:at:)``).
    ///
    /// - Parameters:
    ///   - name: 1–256 printable characters, not starting with `$`.
    ///   - make: creates the actor with this system, e.g. `{ Master(actorSystem: system) }`.
    /// - Throws: ``ActorSystemError/nameInUse(_:)`` when a live actor already has the name.
    public func makeActor<Act>(named name: String, _ make: () throws -> Act) throws -> Act where Act: DistributedActor, Act.ID == ActorID {
        guard !name.isEmpty, name.count <= 256, !name.hasPrefix("$"),
              name.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7F })
        else { throw ActorSystemError.nameInUse("invalid actor name \"\(name)\"") }
        try registry.withLock { registry in
            if registry.entries[name]?.isAlive == true || registry.reservedNames.contains(name) {
                throw ActorSystemError.nameInUse(name)
            }
            registry.reservedNames.insert(name)
        }
        defer { registry.withLock { _ = $0.reservedNames.remove(name) } }
        return try ActorNaming.$pendingName.withValue(name) { try make() }
    }

    /// The identity of the well-known actor `name` on the node listening at `endpoint`.
    ///
    /// Connects (and handshakes) if needed to learn the node's incarnation.
    /// - Throws: ``ActorSystemError/connectionFailed(_:reason:)`` or ``ActorSystemError/handshakeFailed(_:reason:)``.
    public func actorID(named name: String, at endpoint: Endpoint) async throws -> ActorID {
        if endpoint == self.endpoint { return ActorID(node: node, path: name) }
        return ActorID(node: try await nodeID(at: endpoint), path: name)
    }

    /// Resolves the well-known actor `name` at `endpoint` as `type` (typically a `$Protocol` stub).
    public func resolve<Act>(_ type: Act.Type, named name: String, at endpoint: Endpoint) async throws -> Act where Act: DistributedActor, Act.ID == ActorID, Act.ActorSystem == KeelActorSystem {
        try Act.resolve(id: try await actorID(named: name, at: endpoint), using: self)
    }

    // MARK: Wire types and errors

    /// Allows `T` as a generic substitution in incoming calls. Only registered types can be named
    /// by the network: the runtime never looks up arbitrary type names from peers.
    public func registerWireType<T>(_ type: T.Type) {
        guard let name = _mangledTypeName(type) else { return }
        wireTypes.withLock { $0[name] = type }
    }

    /// Registers an error type so it crosses the wire as itself. Register it on both sides:
    /// unregistered errors arrive as ``RemoteCallError`` with the type name and description.
    public func registerErrorType<E: Error & Codable>(_ type: E.Type) {
        errorTypes.withLock { $0[String(reflecting: type)] = type }
    }

    func makeDecoder() -> BinaryDecoder {
        BinaryDecoder(limits: configuration.codecLimits, userInfoKey: actorSystemUserInfoKey, value: self)
    }

    // MARK: Lifecycle

    /// Closes every connection (peers see the node go down), fails outstanding calls with
    /// ``ActorSystemError/shutDown``, and stops the event loop. Idempotent.
    public func shutdown() async {
        guard !isShutDown.exchange(true, ordering: .acquiringAndReleasing) else {
            await loop.waitForShutdown()
            return
        }
        tickTimer.withLock { $0?.cancel() }
        transport.stopListening()
        for continuation in pending.withLock({ $0.takeAll() }) {
            continuation.resume(returning: .failure(ActorSystemError.shutDown))
        }
        let waiters = endpointWaiters.withLock { table in defer { table.removeAll() }; return table.values.flatMap { $0 } }
        for waiter in waiters { waiter.resume(returning: .failure(.shutDown)) }
        loop.execute { [self] in
            for link in connections.value.links.values {
                link.send(Frames.goodbye("node shutting down"))
                link.connection.close(reason: "node shutting down")
            }
        }
        loop.execute { [loop] in loop.shutdown() }
        await loop.waitForShutdown()
        logger.debug("actor system stopped")
    }

    /// Runs `body` with every remote call in it (in this task and its child tasks) limited to `timeout`.
    public static func withCallTimeout<T>(_ timeout: Duration, _ body: () async throws -> T) async rethrows -> T {
        try await CallOptions.$timeout.withValue(timeout) { try await body() }
    }

    private func scheduleTick() {
        // Strong: until shutdown the loop keeps this system alive anyway (through the transport's
        // delegate), and a weak reference would move the system's reference count into a side table,
        // making each of the several retains and releases per call several times slower.
        let timer = loop.schedule(after: configuration.timerResolution) { [self] in
            guard !isShutDown.load(ordering: .relaxed) else { return }
            tick()
            scheduleTick()
        }
        tickTimer.withLock { $0 = timer }
    }
}

/// Loop-confined bookkeeping of connections.
struct ConnectionTable {
    /// Every live connection, by connection ID.
    var links: [UInt64: Link] = [:]
    /// The outbound link currently dialling each endpoint.
    var dialing: [Endpoint: UInt64] = [:]
    /// Last incarnation seen at each endpoint, to notice restarts.
    var incarnations: [Endpoint: UInt64] = [:]
    /// Local actor path → links of peers watching it.
    var remoteWatchers: [String: Set<UInt64>] = [:]
}

/// Task-local settings for remote calls.
enum CallOptions {
    @TaskLocal static var timeout: Duration?
}

/// Carries a well-known name from ``KeelActorSystem/makeActor(named:_:)`` into `assignID`.
enum ActorNaming {
    @TaskLocal static var pendingName: String?
}

/// The local actors of a node.
struct Registry {
    var nextID: UInt64 = 1
    var entries: [String: LocalActorEntry] = [:]
    var reservedNames: Set<String> = []
}

/// A weakly held local actor plus a way to run a call on it with its static type.
protocol LocalActorEntry: Sendable {
    var actor: (any DistributedActor)? { get }
    /// Runs a call on the actor. `nonisolated(nonsending)`, like the dispatch beneath it, so an incoming call
    /// runs through it on the task's executor: a plain `async` function switches executors on entry and after
    /// each call it makes, and with a task executor preference every switch takes the task's status-record lock
    /// (13 switches per incoming call before, 5 after — the hops into and out of the target actor among them).
    nonisolated(nonsending) func execute(system: KeelActorSystem, call: CallTarget, decoder: inout KeelInvocationDecoder, handler: KeelResultHandler) async throws
}

extension LocalActorEntry {
    var isAlive: Bool { actor != nil }
}

final class TypedActorEntry<Act: DistributedActor>: LocalActorEntry where Act.ID == ActorID {
    weak let instance: Act?

    init(_ actor: Act) { self.instance = actor }

    var actor: (any DistributedActor)? { instance }

    nonisolated(nonsending) func execute(system: KeelActorSystem, call: CallTarget, decoder: inout KeelInvocationDecoder, handler: KeelResultHandler) async throws {
        guard let instance else {
            throw ActorSystemError.deadLetter(ActorID(node: system.node, path: "?"), reason: "actor deinitialised")
        }
        try await TargetDispatch.execute(on: instance, call: call, decoder: &decoder, handler: handler)
    }
}
