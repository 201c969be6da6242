import Foundation
import Glibc
@testable import KeelActors
import Synchronization
import Testing

/// Records transport events for transport-level tests.
final class EventRecorder: TransportDelegate {
    let connected = Mutex(0)
    let closedReasons = Mutex<[String]>([])
    func transport(accepted connection: any TransportConnection) {}
    func transport(connected connection: any TransportConnection) { connected.withLock { $0 += 1 } }
    func transport(_ connection: any TransportConnection, received frame: ArraySlice<UInt8>) {}
    func transport(closed connection: any TransportConnection, reason: String) { closedReasons.withLock { $0.append(reason) } }
}

/// A socket listening on an ephemeral loopback port (with a small receive buffer if asked), and the port.
func listeningSocket(receiveBuffer: Int32? = nil) -> (fd: Int32, port: Int) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    if var size = receiveBuffer {
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
    }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
    Glibc.listen(fd, 1)
    var bound = sockaddr_in()
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &bound) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
    return (fd, Int(UInt16(bigEndian: bound.sin_port)))
}

@Suite("TCP transport")
struct TCPTransportTests {
    /// A listening socket with a tiny receive buffer that reads nothing until told to.
    final class SlowReader: Sendable {
        let listener: Int32
        let port: Int
        let startedReading = Atomic<Bool>(false)

        init() {
            (listener, port) = listeningSocket(receiveBuffer: 4096)
        }

        /// Accepts, waits for `start` to return, then drains until `done` (all on its own thread).
        func serve(until done: @escaping @Sendable () -> Bool, start: @escaping @Sendable () async -> Void) {
            Thread { [self] in
                let client = accept(listener, nil, nil)
                let semaphore = DispatchSemaphore(value: 0)
                Task {
                    await start()
                    semaphore.signal()
                }
                semaphore.wait()
                startedReading.store(true, ordering: .sequentiallyConsistent)
                var buffer = [UInt8](repeating: 0, count: 1 << 16)
                while !done() {
                    if read(client, &buffer, buffer.count) <= 0 { break }
                }
                close(client)
                close(listener)
            }.start()
        }
    }

    @Test func aFullOutboxMakesSendersWaitUntilThePeerReads() async throws {
        let loop = try EventLoop(name: "tcp-test")
        let recorder = EventRecorder()
        let reader = SlowReader()
        final class Flag: Sendable { let value = Atomic<Bool>(false) }
        let finished = Flag()
        let go = AsyncStream<Void>.makeStream()
        reader.serve(until: { finished.value.load(ordering: .relaxed) }, start: { for await _ in go.stream { return } })
        let transport = TCPTransport(maxOutboundBytes: 64 << 20)  // high watermark 8 MiB
        let connection = transport.connect(to: Endpoint(host: "127.0.0.1", port: reader.port), context: TransportContext(loop: loop, maxFrameSize: 1 << 20, delegate: recorder))
        try await withDeadline(5, "connect") { while recorder.connected.withLock({ $0 }) == 0 { try Task.checkCancellation(); await Task.yield() } }
        // 24 MiB of frames: far more than the kernel buffers of a peer that does not read.
        let frame = [UInt8](repeating: 7, count: 256 * 1024 + FrameBuffer.headerSize)
        for _ in 0..<96 { connection.send(frame) }
        let waiter = Task { () -> Bool in
            await connection.waitForCapacity()
            return reader.startedReading.load(ordering: .sequentiallyConsistent)
        }
        // Let the reader start only now; the waiter can only have returned after that.
        go.continuation.yield()
        go.continuation.finish()
        let sawReading = try await withDeadline(20, "capacity") { await waiter.value }
        #expect(sawReading, "waitForCapacity returned while the peer was not reading")
        #expect(recorder.closedReasons.withLock { $0 }.isEmpty)
        finished.value.store(true, ordering: .relaxed)
        connection.close(reason: "test over")
        loop.shutdown()
        await loop.waitForShutdown()
    }

    @Test func aPeerThatNeverReadsIsDisconnectedAtTheHardLimit() async throws {
        let loop = try EventLoop(name: "tcp-test-limit")
        let recorder = EventRecorder()
        let reader = SlowReader()
        let go = AsyncStream<Void>.makeStream()
        reader.serve(until: { true }, start: { for await _ in go.stream { return } })
        let transport = TCPTransport(maxOutboundBytes: 4 << 20)
        let connection = transport.connect(to: Endpoint(host: "127.0.0.1", port: reader.port), context: TransportContext(loop: loop, maxFrameSize: 1 << 20, delegate: recorder))
        let frame = [UInt8](repeating: 7, count: 256 * 1024 + FrameBuffer.headerSize)
        for _ in 0..<96 { connection.send(frame) }
        let reasons = try await withDeadline(10, "close at the hard limit") {
            while true {
                let reasons = recorder.closedReasons.withLock { $0 }
                if !reasons.isEmpty { return reasons }
                try Task.checkCancellation()
                await Task.yield()
            }
        }
        #expect(reasons.first?.contains("peer is not reading") == true)
        go.continuation.finish()
        loop.shutdown()
        await loop.waitForShutdown()
    }
}

@Suite("Event loop")
struct EventLoopTests {
    /// The loop's thread carries the loop's name for the kernel (its first 15 bytes): what `top -H`,
    /// `ps -L` and profilers show, so an operator can tell a node's loop from the pool's threads.
    @Test func theLoopThreadIsNamedForTheKernel() async throws {
        let loop = try EventLoop(name: "keel-name-longer-than-fifteen")
        let name = await withCheckedContinuation { continuation in
            loop.execute {
                let comm = try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)
                continuation.resume(returning: comm?.trimmingCharacters(in: .newlines))
            }
        }
        #expect(name == "keel-name-longe")
        loop.shutdown()
        await loop.waitForShutdown()
    }

    @Test func timersRunInDeadlineOrderAndCancelledOnesNever() async throws {
        let loop = try EventLoop(name: "timers")
        final class Order: Sendable { let values = Mutex<[Int]>([]) }
        let order = Order()
        let done = AsyncStream<Void>.makeStream()
        loop.schedule(after: .milliseconds(30)) { order.values.withLock { $0.append(3) }; done.continuation.yield() }
        loop.schedule(after: .milliseconds(10)) { order.values.withLock { $0.append(1) } }
        let cancelled = loop.schedule(after: .milliseconds(5)) { order.values.withLock { $0.append(99) } }
        loop.schedule(after: .milliseconds(20)) { order.values.withLock { $0.append(2) } }
        cancelled.cancel()
        for await _ in done.stream { break }
        #expect(order.values.withLock { $0 } == [1, 2, 3])
        loop.shutdown()
        await loop.waitForShutdown()
    }

    @Test func tasksPreferringTheLoopRunOnItInCreationOrder() async throws {
        let loop = try EventLoop(name: "jobs")
        final class Seen: Sendable { let order = Mutex<[Int]>([]) }
        let seen = Seen()
        var tasks: [Task<Bool, Never>] = []
        for index in 0..<1_000 {
            tasks.append(Task(executorPreference: loop) {
                seen.order.withLock { $0.append(index) }
                return loop.inEventLoop
            })
        }
        for task in tasks { #expect(await task.value) }
        #expect(seen.order.withLock { $0 } == Array(0..<1_000))
        loop.shutdown()
        await loop.waitForShutdown()
    }

    /// Writes coalesced during a long batch of the loop's own jobs (a burst of calls read at once)
    /// go out every few dozen jobs, not only when the whole batch is done: the peer can start on the
    /// first replies meanwhile.
    @Test func aLongBatchOfLoopJobsFlushesCoalescedWritesAsItGoes() async throws {
        let loop = try EventLoop(name: "flushes")
        final class Log: Sendable { let events = Mutex<[String]>([]) }
        let log = Log()
        let done = AsyncStream<Void>.makeStream()
        let jobs = 200
        loop.execute {
            // Stands for a connection's flush, registered by the first frame of the batch.
            loop.runAfterIteration { log.events.withLock { $0.append("flush") } }
            for index in 0..<jobs {
                Task(executorPreference: loop) {
                    log.events.withLock { $0.append("job") }
                    if index == jobs - 1 { done.continuation.yield() }
                }
            }
        }
        for await _ in done.stream { break }
        let events = log.events.withLock { $0 }
        #expect(events.filter { $0 == "job" }.count == jobs)
        let flushedAfter = try #require(events.firstIndex(of: "flush"))
        #expect(flushedAfter > 0 && flushedAfter <= 32, "the flush ran after \(flushedAfter) of \(jobs) jobs")
        loop.shutdown()
        await loop.waitForShutdown()
    }
}

@Suite("TCP transport: writes from the loop")
struct TCPDirectWriteTests {
    /// Accepts one connection and collects the length-prefixed frames it carries (on its own thread).
    final class FrameCollector: Sendable {
        let listener: Int32
        let port: Int
        let frames = Mutex<[[UInt8]]>([])

        init() {
            (listener, port) = listeningSocket()
            Thread { [self] in
                let client = accept(listener, nil, nil)
                var pending: [UInt8] = []
                var chunk = [UInt8](repeating: 0, count: 1 << 16)
                while true {
                    let count = read(client, &chunk, chunk.count)
                    if count <= 0 { break }
                    pending.append(contentsOf: chunk[0..<count])
                    while pending.count >= 4 {
                        let size = Int(pending[0]) << 24 | Int(pending[1]) << 16 | Int(pending[2]) << 8 | Int(pending[3])
                        guard pending.count >= 4 + size else { break }
                        let frame = Array(pending[4..<(4 + size)])
                        pending.removeFirst(4 + size)
                        frames.withLock { $0.append(frame) }
                    }
                }
                close(client)
                close(listener)
            }.start()
        }
    }

    /// Frames sent from other threads gather in the outbox and go out in large writes that the
    /// kernel takes in parts: what it has not taken is resumed from where the last write stopped.
    @Test func framesQueuedFromOtherThreadsArriveWholeAndInOrderThroughPartialWrites() async throws {
        let loop = try EventLoop(name: "partial-writes")
        let recorder = EventRecorder()
        let collector = FrameCollector()
        let transport = TCPTransport(maxOutboundBytes: 64 << 20)
        let connection = transport.connect(to: Endpoint(host: "127.0.0.1", port: collector.port), context: TransportContext(loop: loop, maxFrameSize: 1 << 20, delegate: recorder))
        try await withDeadline(5, "connect") { while recorder.connected.withLock({ $0 }) == 0 { try Task.checkCancellation(); await Task.yield() } }
        // 16 MiB in 128 frames: more than the kernel's buffers take at once.
        let pattern = (0..<(128 << 10)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let payloads = (0..<128).map { index in [UInt8(index)] + pattern.dropFirst() }
        for payload in payloads {
            var frame = [UInt8](repeating: 0, count: FrameBuffer.headerSize) + payload
            frame[1] = UInt8(truncatingIfNeeded: payload.count >> 16)
            frame[2] = UInt8(truncatingIfNeeded: payload.count >> 8)
            frame[3] = UInt8(truncatingIfNeeded: payload.count)
            connection.send(frame)
        }
        try await expectDelivered(payloads, to: collector, within: 30, recorder: recorder, connection: connection, loop: loop)
    }

    /// The loop writes a lone frame at once, from the sender's buffer: with its length already in place (the
    /// actor system's frames) in one `send`, without it in one `sendmsg`. A frame larger than the socket takes
    /// leaves a remainder that must go out before anything sent after it.
    @Test func framesSentByLoopJobsArriveWholeAndInOrder() async throws {
        let loop = try EventLoop(name: "direct-writes", busyPoll: .microseconds(50))
        let recorder = EventRecorder()
        let collector = FrameCollector()
        let transport = TCPTransport(maxOutboundBytes: 64 << 20)
        let connection = transport.connect(to: Endpoint(host: "127.0.0.1", port: collector.port), context: TransportContext(loop: loop, maxFrameSize: 8 << 20, delegate: recorder))
        try await withDeadline(5, "connect") { while recorder.connected.withLock({ $0 }) == 0 { try Task.checkCancellation(); await Task.yield() } }
        var payloads: [[UInt8]] = []
        for (index, size) in [1, 60, 4 << 20, 7, 1000, 3].enumerated() {
            payloads.append((0..<size).map { UInt8(truncatingIfNeeded: $0 &+ index) })
        }
        for (index, payload) in payloads.enumerated() {
            var frame = [UInt8](repeating: 0, count: FrameBuffer.headerSize) + payload
            if index % 2 == 0 {
                frame[0] = UInt8(truncatingIfNeeded: payload.count >> 24)
                frame[1] = UInt8(truncatingIfNeeded: payload.count >> 16)
                frame[2] = UInt8(truncatingIfNeeded: payload.count >> 8)
                frame[3] = UInt8(truncatingIfNeeded: payload.count)
            }
            let toSend = frame
            // Each send is the only job the loop runs: the path that writes at once.
            await Task(executorPreference: loop) { connection.send(toSend) }.value
        }
        try await expectDelivered(payloads, to: collector, within: 20, recorder: recorder, connection: connection, loop: loop)
    }

    /// Waits until `collector` has as many frames as `payloads`, expects exactly those with the connection never
    /// closed, then closes it and stops the loop.
    private func expectDelivered(_ payloads: [[UInt8]], to collector: FrameCollector, within seconds: Double,
                                 recorder: EventRecorder, connection: any TransportConnection, loop: EventLoop) async throws {
        let expected = payloads.count
        let received = try await withDeadline(seconds, "all frames") {
            while true {
                let frames = collector.frames.withLock { $0 }
                if frames.count == expected { return frames }
                try Task.checkCancellation()
                await Task.yield()
            }
        }
        #expect(received == payloads)
        #expect(recorder.closedReasons.withLock { $0 }.isEmpty)
        connection.close(reason: "test over")
        loop.shutdown()
        await loop.waitForShutdown()
    }
}
