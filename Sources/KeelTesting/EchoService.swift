import Distributed
import KeelActors
import Synchronization

/// An error that crosses the wire as itself when registered (see ``EchoActor/registerWireTypes(on:)``).
public struct EchoError: Error, Codable, Sendable, Equatable {
    /// What went wrong, as the thrower said.
    public var message: String
    /// Creates the error.
    public init(message: String) { self.message = message }
}

/// An error type deliberately *not* registered: it arrives as ``RemoteCallError``.
public struct UnregisteredEchoError: Error, Sendable, CustomStringConvertible {
    /// The text in the error's description.
    public var detail: String
    /// Creates the error.
    public init(detail: String) { self.detail = detail }
    public var description: String { "unregistered: \(detail)" }
}

/// The reference service used by the actor runtime's tests, the multi-process peer and the rpc
/// benchmark. Declared once, here, so every process agrees on the mangled target names.
@Resolvable
public protocol EchoService: DistributedActor where ActorSystem == KeelActorSystem {
    /// Returns `payload` unchanged.
    distributed func echo(_ payload: [UInt8]) -> [UInt8]
    /// Returns `"hello, \(name)"`.
    distributed func greet(_ name: String) -> String
    /// Records `(sender, sequence)` and returns how many records there are now.
    distributed func record(sender: Int, sequence: Int) -> Int
    /// Every record so far, in arrival order.
    distributed func records() -> [Record]
    /// Waits `milliseconds` before answering (for timeout and cancellation tests).
    distributed func delay(milliseconds: Int) async throws -> Int
    /// Throws ``EchoError`` (registered) or ``UnregisteredEchoError``.
    distributed func fail(registered: Bool, message: String) throws
    /// Creates another echo actor on this node and returns it (actors as return values).
    distributed func spawnChild() -> EchoActor
    /// Releases the child created by ``spawnChild()`` so it deinitialises.
    distributed func dropChild()
    /// Calls `greet` on `other` (actors as arguments, calls between third parties).
    distributed func forwardGreeting(to other: EchoActor, name: String) async throws -> String
}

/// One `record` call as seen by the receiver.
public struct Record: Codable, Sendable, Equatable {
    /// The sender's number.
    public var sender: Int
    /// The sender's sequence number for this call.
    public var sequence: Int
    /// Creates a record.
    public init(sender: Int, sequence: Int) {
        self.sender = sender
        self.sequence = sequence
    }
}

/// The implementation of ``EchoService``.
public distributed actor EchoActor: EchoService {
    public typealias ActorSystem = KeelActorSystem

    private var log: [Record] = []
    private var child: EchoActor?

    /// Creates an echo actor on `actorSystem`.
    public init(actorSystem: KeelActorSystem) {
        self.actorSystem = actorSystem
    }

    /// Registers the error types this service throws, so they arrive as themselves.
    public static func registerWireTypes(on system: KeelActorSystem) {
        system.registerErrorType(EchoError.self)
    }

    public distributed func echo(_ payload: [UInt8]) -> [UInt8] { payload }

    public distributed func greet(_ name: String) -> String { "hello, \(name)" }

    public distributed func record(sender: Int, sequence: Int) -> Int {
        log.append(Record(sender: sender, sequence: sequence))
        return log.count
    }

    public distributed func records() -> [Record] { log }

    public distributed func delay(milliseconds: Int) async throws -> Int {
        try await Task.sleep(for: .milliseconds(milliseconds))
        return milliseconds
    }

    public distributed func fail(registered: Bool, message: String) throws {
        if registered { throw EchoError(message: message) }
        throw UnregisteredEchoError(detail: message)
    }

    public distributed func spawnChild() -> EchoActor {
        let made = EchoActor(actorSystem: actorSystem)
        child = made
        return made
    }

    public distributed func dropChild() { child = nil }

    public distributed func forwardGreeting(to other: EchoActor, name: String) async throws -> String {
        try await other.greet(name)
    }
}
