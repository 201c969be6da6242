import CKeelLinux
import Foundation
import Glibc
import KeelActors
import KeelTesting
import Synchronization

/// `keel-bench rpc`: distributed-actor calls between two OS processes over loopback TCP.
///
/// In one run: (a) a bare socket ping-pong of the same length-prefixed payload — the floor, the
/// fastest of blocking and two busy-polling variants; (b) sequential calls, p50/p99 round trip, from
/// a caller on the node's event loop (how Keel's master and agent call: `rtt_*` in the JSON) and
/// from a plain task on the global pool (`pool_caller_rtt_*`); (c) 64 concurrent callers, calls per
/// second, as plain tasks (`pipelined_calls_per_s`) and as tasks on the node's loop
/// (`loop_pipelined_calls_per_s`); (d) between two nodes in one process over the in-memory transport,
/// sequential calls from a loop caller (`memory_rtt_*`: the round trip's own work, without sockets)
/// and the same 64 plain callers (`local_calls_per_s`). The floor's variants, the loop caller and its
/// in-memory twin run in alternating chunks, so the round trips and their reference are measured in
/// the same windows of time.
enum RPCBenchmark {
    static let payloadSize = 64
    static let concurrentCallers = 64

    static func run(arguments: [String]) async throws {
        let json = arguments.contains("--json")
        let quick = arguments.contains("--quick")
        let sequentialCalls = quick ? 5_000 : 30_000
        let throughputSeconds = quick ? 0.5 : 2.0

        let peer = try ChildProcess(executable: Bench.executableDirectory.appendingPathComponent("keel-actor-peer"), arguments: ["--floor"])
        defer { peer.stop() }
        guard let ready = peer.readLine()?.split(separator: " "), ready.count == 4, ready[0] == "READY",
              let rpcPort = Int(ready[1]), let floorPort = Int(ready[3]) else {
            throw BenchError("keel-actor-peer did not start")
        }

        var configuration = ActorSystemConfiguration(name: "bench")
        configuration.logger.level = .warning
        let system = try KeelActorSystem(configuration)
        let echo = try await system.resolve($EchoService.self, named: "echo", at: Endpoint(host: "127.0.0.1", port: rpcPort))
        let payload = [UInt8](repeating: 0xAB, count: payloadSize)
        let memory = try await MemoryPair()

        // The pool caller first, then the floor's three variants, the loop caller and the same caller
        // without sockets (two in-memory nodes) in turns, chunk by chunk: on a shared host the
        // machine's speed drifts over seconds, and measuring them in the same windows keeps that drift
        // out of their ratios. Each chunk's first round trips (threads waking after the previous chunk)
        // are not counted, for every variant alike.
        let pooled = try await sequentialRoundTrips(echo, payload: payload, count: sequentialCalls, warmUp: 2_000)
        let rounds = quick ? 5 : 10
        let chunk = sequentialCalls / rounds
        let floorClients = try [nil, FloorPolling.yieldEveryPoll, .yieldEveryFourthPoll].map { try FloorClient(port: floorPort, polling: $0) }
        for client in floorClients { _ = try client.roundTrips(count: 0, warmUp: 2_000) }
        _ = try await loopRoundTrips(echo, on: system.loop, payload: payload, count: 0, warmUp: 2_000)
        _ = try await memory.roundTrips(payload: payload, count: 0, warmUp: 2_000)
        var floors = [[Double]](repeating: [], count: floorClients.count)
        var onLoop: [Double] = [], inMemory: [Double] = []
        for _ in 0..<rounds {
            for (index, client) in floorClients.enumerated() { floors[index] += try client.roundTrips(count: chunk, warmUp: chunkWarmUp) }
            onLoop += try await loopRoundTrips(echo, on: system.loop, payload: payload, count: chunk, warmUp: chunkWarmUp)
            inMemory += try await memory.roundTrips(payload: payload, count: chunk, warmUp: chunkWarmUp)
        }
        let blockingFloor = floors[0]
        // The floor is the fastest way a bare socket managed: the stricter reference.
        let floor = floors.min { Bench.percentile($0, 0.5) < Bench.percentile($1, 0.5) } ?? blockingFloor
        // Throughput, likewise in alternating chunks: the unbatched bare-socket pipeline (the reference),
        // plain-task callers, loop callers.
        let pipelineFloor = try FloorClient(port: floorPort, polling: nil)
        _ = try pipelineFloor.pipelined(window: concurrentCallers, seconds: 0.05)
        _ = try await throughput(echo, payload: payload, seconds: 0.05)
        _ = try await throughput(echo, payload: payload, seconds: 0.05, executor: system.loop)
        var floorPipelined = Rate(), plainPipelined = Rate(), loopPipelinedRate = Rate()
        let throughputRounds = quick ? 2 : 4
        let throughputChunk = throughputSeconds / Double(throughputRounds)
        for _ in 0..<throughputRounds {
            floorPipelined += try pipelineFloor.pipelined(window: concurrentCallers, seconds: throughputChunk)
            plainPipelined += try await throughput(echo, payload: payload, seconds: throughputChunk)
            loopPipelinedRate += try await throughput(echo, payload: payload, seconds: throughputChunk, executor: system.loop)
        }
        let floorThroughput = floorPipelined.perSecond
        let pipelined = plainPipelined.perSecond
        let loopPipelined = loopPipelinedRate.perSecond
        await system.shutdown()

        let (local, plainActor) = try await inProcessThroughput(memory, payload: payload, seconds: throughputSeconds, rounds: throughputRounds)
        await memory.shutdown()

        let floorP50 = Bench.percentile(floor, 0.5)
        let rttP50 = Bench.percentile(onLoop, 0.5)
        let rttP99 = Bench.percentile(onLoop, 0.99)
        let poolP50 = Bench.percentile(pooled, 0.5)
        let poolP99 = Bench.percentile(pooled, 0.99)
        let memoryP50 = Bench.percentile(inMemory, 0.5)
        // The same calls without sockets, over what the round trip adds to the floor (null in the JSON
        // if the round trip were not slower than the floor).
        let memoryShare = rttP50 > floorP50 ? memoryP50 / (rttP50 - floorP50) : .nan
        if json {
            print(Bench.json([
                ("payload_bytes", payloadSize),
                ("floor_rtt_p50_us", floorP50), ("floor_rtt_p99_us", Bench.percentile(floor, 0.99)),
                ("blocking_floor_rtt_p50_us", Bench.percentile(blockingFloor, 0.5)),
                ("rtt_p50_us", rttP50), ("rtt_p99_us", rttP99), ("rtt_ratio", rttP50 / floorP50),
                ("pool_caller_rtt_p50_us", poolP50), ("pool_caller_rtt_p99_us", poolP99), ("pool_caller_rtt_ratio", poolP50 / floorP50),
                ("floor_pipelined_per_s", floorThroughput),
                ("pipelined_calls_per_s", pipelined), ("pipelined_ratio", pipelined / floorThroughput),
                ("loop_pipelined_calls_per_s", loopPipelined), ("loop_pipelined_ratio", loopPipelined / floorThroughput),
                ("memory_rtt_p50_us", memoryP50), ("memory_rtt_p99_us", Bench.percentile(inMemory, 0.99)), ("memory_rtt_share", memoryShare),
                ("local_calls_per_s", local), ("plain_actor_calls_per_s", plainActor), ("local_ratio", local / plainActor),
            ]))
        } else {
            print("rpc benchmark — \(payloadSize)-byte payload, two processes over loopback TCP")
            print("  (a) floor: bare socket ping-pong   p50 \(Bench.format(floorP50)) µs   p99 \(Bench.format(Bench.percentile(floor, 0.99))) µs (best of blocking and two 50 µs busy-poll variants; blocking alone p50 \(Bench.format(Bench.percentile(blockingFloor, 0.5))) µs)")
            print("  (b) sequential calls (loop caller) p50 \(Bench.format(rttP50)) µs   p99 \(Bench.format(rttP99)) µs   ratio to floor \(Bench.format(rttP50 / floorP50, 2)) (target ≤ 1.5)")
            print("      sequential calls (pool caller) p50 \(Bench.format(poolP50)) µs   p99 \(Bench.format(poolP99)) µs   ratio to floor \(Bench.format(poolP50 / floorP50, 2)) (each reply wakes a pool thread)")
            print("  (c) bare socket, \(concurrentCallers) messages in flight, one write each way per message: \(Int(floorThroughput)) round trips/s")
            print("      \(concurrentCallers) concurrent callers           \(Int(pipelined)) calls/s, ratio to the bare socket \(Bench.format(pipelined / floorThroughput, 2)) (target ≥ 100,000 calls/s)")
            print("      \(concurrentCallers) concurrent loop callers      \(Int(loopPipelined)) calls/s, ratio \(Bench.format(loopPipelined / floorThroughput, 2))")
            print("  (d) in-process, in-memory transport, sequential calls (loop caller) p50 \(Bench.format(memoryP50)) µs: no sockets; (b) less (a) is \(Bench.format(rttP50 - floorP50)) µs, ratio \(Bench.format(memoryShare, 2))")
            print("      in-process, in-memory transport \(Int(local)) calls/s; the same callers calling a plain (not distributed) actor \(Int(plainActor)) calls/s, ratio \(Bench.format(local / plainActor, 3))")
        }
    }

    /// Round trips not counted at the start of each interleaved chunk.
    static let chunkWarmUp = 50

    static func sequentialRoundTrips(_ echo: $EchoService, payload: [UInt8], count: Int, warmUp: Int) async throws -> [Double] {
        for _ in 0..<warmUp { _ = try await echo.echo(payload) }
        var samples: [Double] = []
        samples.reserveCapacity(count)
        for _ in 0..<count {
            let start = Bench.now()
            _ = try await echo.echo(payload)
            samples.append(Double(Bench.now() - start) / 1_000)
        }
        return samples
    }

    /// ``sequentialRoundTrips(_:payload:count:warmUp:)`` from a task preferring `loop`: the caller runs
    /// on the node's event loop, as the master's and the agent's calls do.
    static func loopRoundTrips(_ echo: $EchoService, on loop: EventLoop, payload: [UInt8], count: Int, warmUp: Int) async throws -> [Double] {
        try await Task(executorPreference: loop) {
            try await sequentialRoundTrips(echo, payload: payload, count: count, warmUp: warmUp)
        }.value
    }

    /// Calls completed over a measured time, summed over chunks.
    struct Rate {
        var count = 0
        var nanoseconds: UInt64 = 0
        var perSecond: Double { nanoseconds == 0 ? 0 : Double(count) / (Double(nanoseconds) / 1e9) }
        static func += (total: inout Rate, chunk: Rate) {
            total.count += chunk.count
            total.nanoseconds += chunk.nanoseconds
        }
    }

    /// `concurrentCallers` callers calling for `seconds`, after each made a few untimed calls.
    static func throughput(_ echo: $EchoService, payload: [UInt8], seconds: Double, executor: (any TaskExecutor)? = nil) async throws -> Rate {
        try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<concurrentCallers {
                group.addCaller(on: executor) {
                    for _ in 0..<20 { _ = try await echo.echo(payload) }
                    return 20
                }
            }
            try await group.waitForAll()
        }
        let start = Bench.now()
        let deadline = start + UInt64(seconds * 1e9)
        let total = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<concurrentCallers {
                group.addCaller(on: executor) {
                    var done = 0
                    while Bench.now() < deadline {
                        _ = try await echo.echo(payload)
                        done += 1
                    }
                    return done
                }
            }
            return try await group.reduce(0, +)
        }
        return Rate(count: total, nanoseconds: Bench.now() - start)
    }

    /// Two nodes in this process over the in-memory transport, each with its own loop thread: the
    /// server hosts an echo actor that the client has resolved.
    struct MemoryPair {
        let server: KeelActorSystem
        let client: KeelActorSystem
        let actor: EchoActor
        let echo: $EchoService

        init() async throws {
            let network = MemoryNetwork()
            var serverConfiguration = ActorSystemConfiguration(name: "server", host: "server", transport: .memory(network))
            serverConfiguration.logger.level = .warning
            var clientConfiguration = ActorSystemConfiguration(name: "client", host: "client", transport: .memory(network))
            clientConfiguration.logger.level = .warning
            server = try KeelActorSystem(serverConfiguration)
            client = try KeelActorSystem(clientConfiguration)
            let server = server
            actor = try server.makeActor(named: "echo") { EchoActor(actorSystem: server) }
            echo = try await client.resolve($EchoService.self, named: "echo", at: server.endpoint)
        }

        /// Sequential round trips (µs) from a caller on the client node's loop: the TCP round trip's
        /// path without sockets.
        func roundTrips(payload: [UInt8], count: Int, warmUp: Int) async throws -> [Double] {
            try await loopRoundTrips(echo, on: client.loop, payload: payload, count: count, warmUp: warmUp)
        }

        func shutdown() async {
            await client.shutdown()
            await server.shutdown()
        }
    }

    /// The 64 plain callers between the two in-memory nodes, and — in alternating chunks, as the
    /// reference — the same callers calling an ordinary actor that does the same thing: what a call
    /// costs beyond an actor hop (encoding, the transport, dispatch, the reply).
    static func inProcessThroughput(_ pair: MemoryPair, payload: [UInt8], seconds: Double, rounds: Int) async throws -> (distributed: Double, plainActor: Double) {
        let plain = PlainEcho()
        _ = try await throughput(pair.echo, payload: payload, seconds: 0.05)
        _ = await throughput(plain, payload: payload, seconds: 0.05)
        var distributed = Rate(), local = Rate()
        for _ in 0..<rounds {
            distributed += try await throughput(pair.echo, payload: payload, seconds: seconds / Double(rounds))
            local += await throughput(plain, payload: payload, seconds: seconds / Double(rounds))
        }
        return (distributed.perSecond, local.perSecond)
    }

    /// `concurrentCallers` plain tasks calling an ordinary actor for `seconds`. Written out rather than
    /// sharing the loop above through a closure: the closure's call alone halved this rate (43–50 to
    /// 20 million calls/s, measured), which would make the reference weaker than an actor call is.
    static func throughput(_ echo: PlainEcho, payload: [UInt8], seconds: Double) async -> Rate {
        let start = Bench.now()
        let deadline = start + UInt64(seconds * 1e9)
        let total = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<concurrentCallers {
                group.addTask {
                    var done = 0
                    while Bench.now() < deadline {
                        _ = await echo.echo(payload)
                        done += 1
                    }
                    return done
                }
            }
            return await group.reduce(0, +)
        }
        return Rate(count: total, nanoseconds: Bench.now() - start)
    }

    /// How the floor's two ends wait for data while busy-polling.
    enum FloorPolling {
        /// `sched_yield` after every empty poll.
        case yieldEveryPoll
        /// `sched_yield` after every fourth empty poll (what Keel's loop does).
        case yieldEveryFourthPoll

        var modeByte: UInt8 { self == .yieldEveryPoll ? UInt8(ascii: "S") : UInt8(ascii: "Q") }
        var yieldEvery: Int { self == .yieldEveryPoll ? 1 : 4 }
    }
}

/// One connection to the peer's bare echo server: round trips of a length-prefixed payload over a
/// socket with TCP_NODELAY — the floor. With `polling`, both ends poll without sleeping for up to
/// 50 µs before blocking (the trick Keel's loop uses); without, they block in `recv`.
final class FloorClient {
    private let fd: Int32
    private let spin: Bool
    private let yieldEvery: Int
    private let message: [UInt8]
    private var reply: [UInt8]

    init(port: Int, polling: RPCBenchmark.FloorPolling?) throws {
        // The socket is set up before any stored property is: a failure closes it here, and `deinit`
        // (which would close it again) never runs for an object that was not fully initialised.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw BenchError("floor socket failed") }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { close(fd); throw BenchError("floor connect failed") }
        var mode = [polling?.modeByte ?? UInt8(ascii: "B")]
        guard write(fd, &mode, 1) == 1 else { close(fd); throw BenchError("floor write failed") }
        let payloadSize = RPCBenchmark.payloadSize
        var message = [UInt8](repeating: 0xAB, count: 4 + payloadSize)
        message[0] = 0; message[1] = 0; message[2] = UInt8(payloadSize >> 8); message[3] = UInt8(payloadSize & 0xFF)
        self.fd = fd
        self.spin = polling != nil
        self.yieldEvery = polling?.yieldEvery ?? 1
        self.message = message
        self.reply = [UInt8](repeating: 0, count: message.count)
    }

    deinit { close(fd) }

    /// `count` timed round trips (µs) after `warmUp` untimed ones.
    func roundTrips(count: Int, warmUp: Int) throws -> [Double] {
        for _ in 0..<warmUp { try roundTrip() }
        var samples: [Double] = []
        samples.reserveCapacity(count)
        for _ in 0..<count {
            let start = Bench.now()
            try roundTrip()
            samples.append(Double(Bench.now() - start) / 1_000)
        }
        return samples
    }

    /// Round trips completed in `seconds` with `window` messages in flight, each request written with
    /// its own `write(2)` and echoed with its own (the unbatched pipeline): the reference for calls per
    /// second. Messages still in flight at the end are drained, not counted.
    func pipelined(window: Int, seconds: Double) throws -> RPCBenchmark.Rate {
        guard window > 0 else { return RPCBenchmark.Rate() }
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var partial = 0
        for _ in 0..<window { try send() }
        var inFlight = window
        var done = 0
        let start = Bench.now()
        let deadline = start + UInt64(seconds * 1e9)
        var end: UInt64 = 0
        while inFlight > 0 {
            // Every message is the same: only the byte count matters.
            let got = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard got > 0 else { throw BenchError("floor read failed") }
            let bytes = partial + got
            let complete = bytes / message.count
            partial = bytes % message.count
            inFlight -= complete
            guard end == 0 else { continue }
            done += complete
            let now = Bench.now()
            if now >= deadline {
                end = now
            } else {
                for _ in 0..<complete { try send() }
                inFlight += complete
            }
        }
        return RPCBenchmark.Rate(count: done, nanoseconds: end - start)
    }

    private func send() throws {
        let written = message.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == message.count else { throw BenchError("floor write failed") }
    }

    private func roundTrip() throws {
        try send()
        // The reply buffer holds exactly one message, and the echo sends one per request.
        var got = 0
        guard FloorSpin.read(fd, into: &reply, count: reply.count, have: &got, spin: spin, yieldEvery: yieldEvery) else {
            throw BenchError("floor read failed")
        }
    }
}

/// An ordinary actor doing what `EchoActor.echo` does: the in-process reference.
actor PlainEcho {
    func echo(_ payload: [UInt8]) -> [UInt8] { payload }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension ThrowingTaskGroup where ChildTaskResult == Int, Failure == any Error {
    /// Adds a caller task preferring `executor`, or a plain task when there is none. Not
    /// `addTask(executorPreference: nil)`: with Swift 6.3 that still gives the child an executor
    /// preference record, and every suspension and resumption of such a task then takes its
    /// status-record lock (measured: 210–240 ns per actor hop instead of 70–90 ns) — plain callers
    /// would be measured as slower than they are.
    mutating func addCaller(on executor: (any TaskExecutor)?, _ operation: @escaping @Sendable () async throws -> Int) {
        if let executor {
            addTask(executorPreference: executor, operation: operation)
        } else {
            addTask(operation: operation)
        }
    }
}
