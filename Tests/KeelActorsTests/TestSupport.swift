import Foundation
import KeelActors
import KeelLog
import KeelTesting
import Testing

/// The transports every scenario runs over.
enum TransportKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case memory, tcp
    var testDescription: String { rawValue }
}

/// Builds actor systems for one test on one transport, and shuts them all down at the end.
final class TestCluster: Sendable {
    let kind: TransportKind
    let network = MemoryNetwork(seed: 42)
    let logs = MemoryLogSink()
    private let systems = Mutex<[KeelActorSystem]>([])

    init(_ kind: TransportKind) { self.kind = kind }

    /// A node with short timeouts suited to tests; `configure` may adjust anything.
    func node(_ name: String, port: Int = 0, _ configure: (inout ActorSystemConfiguration) -> Void = { _ in }) throws -> KeelActorSystem {
        var configuration: ActorSystemConfiguration
        switch kind {
        case .memory: configuration = ActorSystemConfiguration(name: name, host: name, port: port, transport: .memory(network))
        case .tcp: configuration = ActorSystemConfiguration(name: name, host: "127.0.0.1", port: port, transport: .tcp)
        }
        configuration.callTimeout = .seconds(20)
        configuration.heartbeatInterval = .milliseconds(50)
        configuration.heartbeatTimeout = .seconds(2)
        configuration.handshakeTimeout = .seconds(2)
        // Many nodes share two cores in tests: spinning loops would only steal each other's CPU.
        configuration.busyPoll = .zero
        configuration.logger = Logger(label: "keel.test", level: .debug, sink: logs)
        configure(&configuration)
        let system = try KeelActorSystem(configuration)
        EchoActor.registerWireTypes(on: system)
        systems.withLock { $0.append(system) }
        return system
    }

    /// A node hosting an `EchoActor` named "echo".
    func echoNode(_ name: String, port: Int = 0, _ configure: (inout ActorSystemConfiguration) -> Void = { _ in }) throws -> (KeelActorSystem, EchoActor) {
        let system = try node(name, port: port, configure)
        let actor = try system.makeActor(named: "echo") { EchoActor(actorSystem: system) }
        return (system, actor)
    }

    func shutdown() async {
        for system in systems.withLock({ $0 }) { await system.shutdown() }
    }
}

import Synchronization

/// Runs `body`, failing the test if it takes longer than `seconds` (a deadline, not a synchroniser).
/// Bodies that loop must check for cancellation, or the group cannot finish after the deadline.
func withDeadline<T: Sendable>(_ seconds: Double, _ what: String = "operation", _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            return nil
        }
        guard let first = try await group.next(), let value = first else {
            group.cancelAll()
            throw DeadlineExceeded(what: what, seconds: seconds)
        }
        group.cancelAll()
        return value
    }
}

struct DeadlineExceeded: Error, CustomStringConvertible {
    var what: String
    var seconds: Double
    var description: String { "\(what) did not finish within \(seconds) s" }
}

/// Retries `body` until it succeeds or `seconds` pass (for reconnects that race a restart).
func eventually<T: Sendable>(_ seconds: Double = 5, _ body: @Sendable () async throws -> T) async throws -> T {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while true {
        do { return try await body() } catch {
            if ContinuousClock.now >= deadline || Task.isCancelled { throw error }
            await Task.yield()
        }
    }
}
