// A helper process for multi-process tests and the rpc benchmark.
//
// Starts a TCP actor system with an `EchoActor` named "echo", optionally a bare blocking
// length-prefixed echo server (the benchmark's floor), prints one line
// `READY <rpc-port> <incarnation-hex> <floor-port>` and runs until its standard input closes
// (so it never outlives the process that started it) or it is killed.
import Foundation
import Glibc
import KeelActors
import KeelLog
import KeelTesting

struct PeerOptions {
    var port = 0
    var cluster = "keel"
    var secret: String?
    var floor = false
    var heartbeatMilliseconds = 1000
}

func parseOptions() -> PeerOptions? {
    var options = PeerOptions()
    var arguments = CommandLine.arguments.dropFirst()
    while let argument = arguments.popFirst() {
        switch argument {
        case "--port": guard let value = arguments.popFirst().flatMap({ Int($0) }) else { return nil }; options.port = value
        case "--cluster": guard let value = arguments.popFirst() else { return nil }; options.cluster = value
        case "--secret": guard let value = arguments.popFirst() else { return nil }; options.secret = value
        case "--floor": options.floor = true
        case "--heartbeat-ms": guard let value = arguments.popFirst().flatMap({ Int($0) }) else { return nil }; options.heartbeatMilliseconds = value
        default: return nil
        }
    }
    return options
}

/// An echo of length-prefixed messages, a thread per connection: the physical floor of a round trip.
/// The client's first byte picks how the server waits for data: `B` blocks in `read(2)`; `S` and `Q`
/// spin on non-blocking reads for up to 50 µs before blocking in `poll(2)`, yielding the CPU after
/// every empty read (`S`) or every fourth (`Q`, like Keel's event loop busy-poll) — so the floor can
/// use the same tricks as Keel.
func startFloorServer() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
    listen(fd, 16)
    var bound = sockaddr_in()
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &bound) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
    // One thread per connection: the benchmark keeps a connection per variant open and uses them in turns.
    let thread = Thread {
        while true {
            let client = accept(fd, nil, nil)
            if client < 0 { continue }
            Thread { serveFloor(client) }.start()
        }
    }
    thread.start()
    return Int(UInt16(bigEndian: bound.sin_port))
}

/// Serves one floor connection until the client closes it.
func serveFloor(_ client: Int32) {
    var one: Int32 = 1
    setsockopt(client, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    var buffer = [UInt8](repeating: 0, count: 1 << 20)
    // Each read takes whatever has arrived (one `recv` for a whole message, as Keel's loop reads).
    var have = 0
    guard FloorSpin.read(client, into: &buffer, count: 1, have: &have, spin: false) else { close(client); return }
    let spin = buffer[0] == UInt8(ascii: "S") || buffer[0] == UInt8(ascii: "Q")
    let yieldEvery = buffer[0] == UInt8(ascii: "Q") ? 4 : 1
    // The first message may have come with the mode byte.
    if have > 1 {
        let rest = have - 1
        buffer.withUnsafeMutableBytes { $0.baseAddress!.copyMemory(from: $0.baseAddress! + 1, byteCount: rest) }
    }
    have -= 1
    serve: while true {
        guard FloorSpin.read(client, into: &buffer, count: 4, have: &have, spin: spin, yieldEvery: yieldEvery) else { break serve }
        let size = Int(buffer[0]) << 24 | Int(buffer[1]) << 16 | Int(buffer[2]) << 8 | Int(buffer[3])
        let total = 4 + size
        guard total <= buffer.count, FloorSpin.read(client, into: &buffer, count: total, have: &have, spin: spin, yieldEvery: yieldEvery) else { break serve }
        let written = buffer.withUnsafeBytes { write(client, $0.baseAddress, total) }
        if written != total { break serve }
        if have > total {
            buffer.withUnsafeMutableBytes { $0.baseAddress!.copyMemory(from: $0.baseAddress! + total, byteCount: have - total) }
        }
        have -= total
    }
    close(client)
}

guard let options = parseOptions() else {
    FileHandle.standardError.write("usage: keel-actor-peer [--port N] [--cluster NAME] [--secret S] [--floor] [--heartbeat-ms N]\n".data(using: .utf8)!)
    exit(2)
}
var configuration = ActorSystemConfiguration(name: "peer", port: options.port)
configuration.clusterName = options.cluster
configuration.sharedSecret = options.secret.map { Array($0.utf8) }
configuration.heartbeatInterval = .milliseconds(options.heartbeatMilliseconds)
configuration.heartbeatTimeout = .milliseconds(options.heartbeatMilliseconds * 5)
let system: KeelActorSystem
do {
    system = try KeelActorSystem(configuration)
} catch {
    FileHandle.standardError.write("keel-actor-peer: \(error)\n".data(using: .utf8)!)
    exit(1)
}
EchoActor.registerWireTypes(on: system)
let echo = try system.makeActor(named: "echo") { EchoActor(actorSystem: system) }
let floorPort = options.floor ? startFloorServer() : 0
let readyLine = "READY \(system.endpoint.port) \(String(system.incarnation, radix: 16)) \(floorPort)\n"
FileHandle.standardOutput.write(Data(readyLine.utf8))
// Runs until the parent closes our stdin (or kills us).
var sink = [UInt8](repeating: 0, count: 256)
while read(0, &sink, sink.count) > 0 {}
withExtendedLifetime(echo) {}
exit(0)
