import Foundation
import Glibc
import KeelCodec
@testable import KeelActors
import KeelLog
import KeelTesting
import Synchronization
import Testing

/// Wraps a transport and records every frame its connections send (to capture real call frames).
final class RecordingTransport: Transport {
    let inner: any Transport
    let frames = Mutex<[[UInt8]]>([])
    init(_ inner: any Transport) { self.inner = inner }
    func listen(on endpoint: Endpoint, context: TransportContext) throws -> Endpoint { try inner.listen(on: endpoint, context: context) }
    func connect(to endpoint: Endpoint, context: TransportContext) -> any TransportConnection {
        Recorded(inner: inner.connect(to: endpoint, context: context)) { [self] frame in frames.withLock { $0.append(frame) } }
    }
    func stopListening() { inner.stopListening() }

    final class Recorded: TransportConnection {
        let inner: any TransportConnection
        let record: @Sendable ([UInt8]) -> Void
        init(inner: any TransportConnection, record: @escaping @Sendable ([UInt8]) -> Void) {
            self.inner = inner
            self.record = record
        }
        var connectionID: UInt64 { inner.connectionID }
        var remoteDescription: String { inner.remoteDescription }
        func send(_ frame: [UInt8]) { record(frame); inner.send(frame) }
        func close(reason: String) { inner.close(reason: reason) }
    }
}

/// A tiny deterministic PRNG for reproducible fuzzing.
struct FuzzRandom {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(1, n))) }
    mutating func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8(truncatingIfNeeded: next()) } }
}

/// Blocking raw-socket client, used from a dedicated thread.
enum RawClient {
    static func connect(port: Int) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        return fd
    }

    static func send(_ fd: Int32, _ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, bytes.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Reads until EOF or the receive timeout; true when the server closed the connection.
    static func serverClosed(_ fd: Int32) -> Bool {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let got = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, 4096, 0) }
            if got == 0 { return true }
            if got < 0 { return errno == ECONNRESET }
        }
    }

    /// A frame with its 4-byte length prefix.
    static func framed(_ body: [UInt8]) -> [UInt8] {
        let n = UInt32(body.count)
        return [UInt8(n >> 24), UInt8(truncatingIfNeeded: n >> 16), UInt8(truncatingIfNeeded: n >> 8), UInt8(truncatingIfNeeded: n)] + body
    }
}

@Suite("Hostile input")
struct HostileInputTests {
    static var iterations: Int {
        ProcessInfo.processInfo.environment["KEEL_FUZZ_ITERATIONS"].flatMap(Int.init) ?? 300
    }

    /// A valid hello (no authentication) from a made-up node.
    static func hello(cluster: String = "keel") -> [UInt8] {
        let frame = Hello(magic: WireProtocol.magic, version: WireProtocol.version, cluster: cluster,
                          node: NodeID(endpoint: Endpoint(host: "127.0.0.1", port: 1), incarnation: 77),
                          nonce: [UInt8](repeating: 5, count: 32), authRequired: false).frame()
        return RawClient.framed(Array(frame[FrameBuffer.headerSize...]))
    }

    @Test func theWireParsersRejectMutationsWithoutCrashing() throws {
        var random = FuzzRandom(state: 0xC0FFEE)
        let call: [UInt8] = {
            var writer = Frames.start(.call)
            writer.writeVarUInt(7)
            writer.writeUInt64BE(42)
            writer.writeString("echo")
            writer.writeString("$s11KeelTesting9EchoActorC5greetyS2SYaKFTE")
            writer.writeVarUInt(0)
            return Array(writer.bytes[(FrameBuffer.headerSize + 1)...])
        }()
        for _ in 0..<(Self.iterations * 20) {
            var bytes = random.below(4) == 0 ? random.bytes(random.below(64)) : call
            for _ in 0..<random.below(4) where !bytes.isEmpty { bytes[random.below(bytes.count)] = UInt8(truncatingIfNeeded: random.next()) }
            if random.below(3) == 0 { bytes = Array(bytes.prefix(random.below(bytes.count + 1))) }
            var reader = ByteReader(bytes)
            _ = try? CallHeader.parse(&reader)
            var helloReader = ByteReader(bytes)
            _ = try? Hello.parse(&helloReader)
        }
        // A header claiming a huge string is rejected by its length, not by allocating.
        var huge = ByteWriter()
        huge.writeVarUInt(1)
        huge.writeUInt64BE(1)
        huge.writeVarUInt(UInt64(1) << 60)
        var reader = ByteReader(huge.bytes)
        #expect(throws: (any Error).self) { _ = try CallHeader.parse(&reader) }
    }

    @Test func hostileConnectionsAreClosedWithAReasonAndOthersKeepWorking() async throws {
        let logs = MemoryLogSink()
        var serverConfiguration = ActorSystemConfiguration(name: "server")
        serverConfiguration.logger = Logger(label: "keel.test", level: .debug, sink: logs)
        serverConfiguration.maxFrameSize = 1 << 20
        serverConfiguration.handshakeTimeout = .milliseconds(200)
        let server = try KeelActorSystem(serverConfiguration)
        let actor = try server.makeActor(named: "echo") { EchoActor(actorSystem: server) }

        // A well-behaved client, whose real call frames seed the mutations.
        let recorder = RecordingTransport(TCPTransport())
        var clientConfiguration = ActorSystemConfiguration(name: "client")
        clientConfiguration.transport = TransportFactory { recorder }
        clientConfiguration.logger = Logger(label: "keel.test", level: .warning, sink: MemoryLogSink())
        let client = try KeelActorSystem(clientConfiguration)
        let echo = try await client.resolve($EchoService.self, named: "echo", at: server.endpoint)
        #expect(try await echo.greet("before") == "hello, before")
        _ = try await echo.echo([1, 2, 3])
        let seeds = recorder.frames.withLock { frames in
            frames.filter { $0.count > FrameBuffer.headerSize && $0[FrameBuffer.headerSize] == FrameKind.call.rawValue }
                .map { RawClient.framed(Array($0[FrameBuffer.headerSize...])) }
        }
        #expect(seeds.count >= 2)

        let port = server.endpoint.port
        // Each case is a whole TCP connection; a long fuzz run of the parsers should not take hours here.
        let iterations = min(Self.iterations, 20_000)
        let outcome = await withCheckedContinuation { (continuation: CheckedContinuation<(closed: Int, total: Int), Never>) in
            Thread {
                var random = FuzzRandom(state: 0xBAD_F00D)
                var closed = 0
                var expected = 0
                for iteration in 0..<iterations {
                    let fd = RawClient.connect(port: port)
                    var expectClose = true
                    // Truncated hellos wait for the handshake timeout, so they come less often.
                    switch iteration % 32 == 6 ? 6 : (iteration % 8 == 6 ? 0 : iteration % 8) {
                    case 0: RawClient.send(fd, random.bytes(1 + random.below(512)))
                    case 1: RawClient.send(fd, [0xFF, 0xFF, 0xFF, 0xF0] + random.bytes(16))
                    case 2: RawClient.send(fd, [0, 0, 0, 0])
                    case 3: RawClient.send(fd, HostileInputTests.hello(cluster: "someone-else"))
                    case 4:
                        RawClient.send(fd, HostileInputTests.hello())
                        RawClient.send(fd, RawClient.framed([UInt8(20 + random.below(200))] + random.bytes(random.below(64))))
                    case 5:
                        // A real call with mutated bytes, after a valid handshake: replies with an
                        // error or closes, but never crashes or hangs the server.
                        var frame = seeds[random.below(seeds.count)]
                        for _ in 0..<(1 + random.below(6)) { frame[4 + random.below(frame.count - 4)] = UInt8(truncatingIfNeeded: random.next()) }
                        RawClient.send(fd, HostileInputTests.hello())
                        RawClient.send(fd, frame)
                        expectClose = false
                    case 6:
                        // Truncated: the header promises more than ever comes; the handshake timeout ends it.
                        var frame = HostileInputTests.hello()
                        frame = Array(frame.prefix(4 + random.below(frame.count - 4)))
                        RawClient.send(fd, frame)
                    default:
                        // A call frame whose argument is a nesting bomb.
                        RawClient.send(fd, HostileInputTests.hello())
                        var body: [UInt8] = [FrameKind.call.rawValue]
                        var header = ByteWriter()
                        header.writeVarUInt(9)
                        header.writeUInt64BE(0)
                        header.writeString("echo")
                        header.writeString("x")
                        header.writeVarUInt(0)
                        header.writeUInt32BE(100_000)
                        body += header.bytes + [UInt8](repeating: 0x0A, count: 100_000)
                        RawClient.send(fd, RawClient.framed(body))
                        expectClose = false
                    }
                    if expectClose {
                        expected += 1
                        if RawClient.serverClosed(fd) { closed += 1 }
                    }
                    close(fd)
                }
                continuation.resume(returning: (closed, expected))
            }.start()
        }
        // Every connection that broke the protocol was closed by the server.
        #expect(outcome.closed == outcome.total, "closed \(outcome.closed) of \(outcome.total)")
        // …each with a logged reason, and the good client never noticed.
        #expect(!logs.records(containing: "closing connection").isEmpty)
        #expect(!logs.records(containing: "exceeds the limit").isEmpty)
        #expect(!logs.records(containing: "does not match").isEmpty)
        #expect(try await echo.greet("after") == "hello, after")
        #expect(try await echo.echo([9]) == [9])
        _ = actor.id
        await client.shutdown()
        await server.shutdown()
    }

    @Test func aCallNamingANonDistributedFunctionGetsAnErrorReply() async throws {
        var configuration = ActorSystemConfiguration(name: "server")
        configuration.logger = Logger(label: "keel.test", level: .warning, sink: MemoryLogSink())
        let server = try KeelActorSystem(configuration)
        let actor = try server.makeActor(named: "echo") { EchoActor(actorSystem: server) }
        let port = server.endpoint.port
        let incarnation = server.incarnation
        let reply = await withCheckedContinuation { (continuation: CheckedContinuation<[UInt8], Never>) in
            Thread {
                let fd = RawClient.connect(port: port)
                RawClient.send(fd, HostileInputTests.hello())
                var writer = Frames.start(.call)
                writer.writeVarUInt(5)
                writer.writeUInt64BE(incarnation)
                writer.writeString("echo")
                // A real method, but not a distributed thunk: there is no accessor for it.
                writer.writeString("$s11KeelTesting9EchoActorC5greetyS2SYaKF")
                writer.writeVarUInt(0)
                writer.writeUInt32BE(2)
                writer.writeRaw([0x08, 0x00])
                RawClient.send(fd, RawClient.framed(Array(writer.bytes[FrameBuffer.headerSize...])))
                // Read frames until the reply arrives (the server's hello comes first).
                var buffer: [UInt8] = []
                var chunk = [UInt8](repeating: 0, count: 4096)
                while true {
                    let got = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, 4096, 0) }
                    if got <= 0 { break }
                    buffer += chunk[0..<got]
                    while buffer.count >= 4 {
                        let length = Int(buffer[0]) << 24 | Int(buffer[1]) << 16 | Int(buffer[2]) << 8 | Int(buffer[3])
                        guard buffer.count >= 4 + length else { break }
                        let frame = Array(buffer[4..<(4 + length)])
                        buffer.removeFirst(4 + length)
                        if frame.first == FrameKind.reply.rawValue {
                            close(fd)
                            continuation.resume(returning: frame)
                            return
                        }
                    }
                }
                close(fd)
                continuation.resume(returning: [])
            }.start()
        }
        var reader = ByteReader(reply.dropFirst())
        #expect(try reader.readVarUInt() == 5)
        #expect(try reader.readByte() == ReplyStatus.error.rawValue)
        let typeName = try reader.readString()
        #expect(!typeName.isEmpty, "an error reply names the error type")
        #expect(try await EchoActor.resolve(id: actor.id, using: server).greet("still fine") == "hello, still fine")
        await server.shutdown()
    }
}
