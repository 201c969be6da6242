import Foundation
import Glibc
import KeelActors
import KeelLog
import KeelTesting
import Synchronization
import Testing

/// A `keel-actor-peer` child process (built alongside the tests).
final class PeerProcess: Sendable {
    let process: Process
    let input: Pipe
    let port: Int
    let incarnation: String

    static var executable: URL {
        let testBinary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        // .build/<config>/KeelPackageTests.xctest → .build/<config>/keel-actor-peer
        return testBinary.deletingLastPathComponent().appendingPathComponent("keel-actor-peer")
    }

    static func start(_ arguments: [String] = []) async throws -> PeerProcess {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Read the READY line on a thread of our own: never block the cooperative pool.
        let line = await withCheckedContinuation { (continuation: CheckedContinuation<String, Never>) in
            Thread {
                var bytes: [UInt8] = []
                var byte: UInt8 = 0
                while read(output.fileHandleForReading.fileDescriptor, &byte, 1) == 1, byte != UInt8(ascii: "\n") { bytes.append(byte) }
                continuation.resume(returning: String(decoding: bytes, as: UTF8.self))
            }.start()
        }
        let parts = line.split(separator: " ")
        guard parts.count == 4, parts[0] == "READY", let port = Int(parts[1]) else {
            process.terminate()
            throw PeerStartFailed(line: line)
        }
        return PeerProcess(process: process, input: input, port: port, incarnation: String(parts[2]))
    }

    private init(process: Process, input: Pipe, port: Int, incarnation: String) {
        self.process = process
        self.input = input
        self.port = port
        self.incarnation = incarnation
    }

    var endpoint: Endpoint { Endpoint(host: "127.0.0.1", port: port) }

    func kill() { Glibc.kill(process.processIdentifier, SIGKILL) }

    /// Closes its stdin (it exits) and makes sure it is gone.
    func stop() {
        try? input.fileHandleForWriting.close()
        if process.isRunning { kill() }
    }
}

struct PeerStartFailed: Error, CustomStringConvertible {
    var line: String
    var description: String { "keel-actor-peer did not report READY (got \"\(line)\"); is it built next to the tests?" }
}

@Suite("Two OS processes")
struct MultiProcessTests {
    func client(_ logs: MemoryLogSink) throws -> KeelActorSystem {
        var configuration = ActorSystemConfiguration(name: "client")
        configuration.heartbeatInterval = .milliseconds(100)
        // Generous enough that a loaded 2-core CI machine does not declare healthy peers down; a SIGKILLed peer is
        // still noticed well within it (its connection closes).
        configuration.heartbeatTimeout = .milliseconds(2000)
        configuration.logger = Logger(label: "keel.test", level: .debug, sink: logs)
        let system = try KeelActorSystem(configuration)
        EchoActor.registerWireTypes(on: system)
        return system
    }

    @Test func aPeerKilledWithSIGKILLIsSeenWithinTheTimeout() async throws {
        let peer = try await PeerProcess.start(["--heartbeat-ms", "100"])
        defer { peer.stop() }
        let logs = MemoryLogSink()
        let system = try client(logs)
        let echo = try await system.resolve($EchoService.self, named: "echo", at: peer.endpoint)
        #expect(try await echo.greet("other process") == "hello, other process")
        #expect(String(echo.id.node.incarnation, radix: 16) == peer.incarnation)
        let watched = Task { await system.termination(of: echo.id) }
        // When the node noticed, stamped where the watch fires (the node's loop): the test's own tasks may
        // wait for a pool thread much longer than that when the whole suite shares two cores.
        let noticedAt = Mutex<ContinuousClock.Instant?>(nil)
        _ = system.watch(echo.id) { _ in noticedAt.withLock { $0 = $0 ?? ContinuousClock.now } }
        // Both calls start on the loop, so they are sent in this order: the greeting's reply proves
        // the delay call reached the peer before it is killed.
        let inFlight = Task(executorPreference: system.loop) { try await echo.delay(milliseconds: 60_000) }
        _ = try await Task(executorPreference: system.loop) { try await echo.greet("now the delay call is on the peer") }.value
        let killedAt = ContinuousClock.now
        peer.kill()
        let termination = try await withDeadline(5, "termination after SIGKILL") { await watched.value }
        guard case .nodeDown? = termination?.reason else {
            Issue.record("expected nodeDown, got \(String(describing: termination))")
            return
        }
        // Within the configured failure-detection timeout (2 s); a killed process is noticed faster (EOF).
        let noticed = try #require(noticedAt.withLock { $0 })
        #expect(noticed - killedAt < .seconds(2))
        let result = try await withDeadline(5, "pending call") { await inFlight.result }
        guard case .failure(ActorSystemError.connectionClosed) = result else {
            Issue.record("pending call ended with \(result)")
            return
        }
        await system.shutdown()
    }

    @Test func aRestartedPeerProcessIsANewIncarnation() async throws {
        let first = try await PeerProcess.start()
        let system = try client(MemoryLogSink())
        let oldEcho = try await system.resolve($EchoService.self, named: "echo", at: first.endpoint)
        #expect(try await oldEcho.greet("first") == "hello, first")
        let gone = Task { await system.termination(of: oldEcho.id) }
        first.kill()
        _ = try await withDeadline(5, "termination") { await gone.value }
        first.stop()

        let second = try await PeerProcess.start(["--port", String(first.port)])
        defer { second.stop() }
        #expect(second.port == first.port)
        #expect(second.incarnation != first.incarnation)
        let newEcho = try await eventually { try await system.resolve($EchoService.self, named: "echo", at: second.endpoint) }
        #expect(try await newEcho.greet("second") == "hello, second")
        do {
            _ = try await oldEcho.greet("stale")
            Issue.record("a stale reference reached the new process")
        } catch let error as ActorSystemError {
            guard case .deadLetter = error else { Issue.record("expected a dead letter, got \(error)"); return }
        }
        await system.shutdown()
    }
}
