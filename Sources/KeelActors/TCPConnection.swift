import CKeelLinux
import Glibc
import Synchronization

/// One non-blocking TCP connection carrying length-prefixed frames (4-byte big-endian length).
///
/// Reads happen on the event loop. Writes may come from any thread: a sender appends its frame
/// to the outbox and, if no other thread is writing, writes the whole outbox with one `write(2)`
/// — so frames queued while another thread was in the kernel are coalesced into the next write.
/// Frames sent on the loop thread itself are flushed once at the end of the loop iteration.
/// When the kernel's buffer is full the rest waits for `EPOLLOUT`; the outbox is bounded by
/// ``TCPTransport/maxOutboundBytes`` and a peer that stops reading is disconnected.
final class TCPConnection: TransportConnection, EventLoopHandler {
    private struct WriterState {
        /// Bytes taken from the outbox (or a direct write) that the kernel has not all accepted yet:
        /// those from `sent` on. An offset rather than removing what was written, which would move
        /// the rest of a backlog of up to ``TCPTransport/maxOutboundBytes`` after every partial write.
        var leftover: [UInt8] = []
        var sent = 0
        var hasLeftover: Bool { sent < leftover.count }

        mutating func dropLeftover() {
            leftover = []
            sent = 0
        }
        var waitingForWritable = false
        var closed = false
    }

    private struct ReadState {
        var buffer: [UInt8]
        var start = 0
        var end = 0
        var connecting: Bool
    }

    let connectionID: UInt64
    let remoteDescription: String
    private let fd: Int32
    private let context: TransportContext
    private let maxOutboundBytes: Int
    private let outbox = Mutex<[UInt8]>([])
    /// The outbox's size, written under its lock: lets a write tell without the lock that nothing
    /// the loop thread queued earlier is still waiting (see ``writeDirectly(_:)``).
    private let outboxBytes = Atomic<Int>(0)
    private let writer = Mutex(WriterState())
    private let flushScheduled = Atomic<Bool>(false)
    /// Bytes queued but not yet accepted by the kernel (outbox plus partial-write leftover).
    private let backlog = Atomic<Int>(0)
    private let capacityWaiters = Mutex<[CheckedContinuation<Void, Never>]>([])
    /// Whether `capacityWaiters` may be non-empty: set under its lock before a waiter is added, so
    /// every write can skip the lock when nobody waits.
    private let hasCapacityWaiters = Atomic<Bool>(false)
    private var highWatermark: Int { maxOutboundBytes / 8 }
    private let closedFlag = Atomic<Bool>(false)
    private let reader: LoopBound<ReadState>
    /// The loop iteration in which a frame was last written straight from ``send(_:)``.
    private let lastDirectWrite: LoopBound<UInt64>

    private static let nextID = Atomic<UInt64>(1)
    /// The outbox's first allocation: a few small frames' worth.
    private static let initialOutboxCapacity = 1024

    init(fd: Int32, remote: String, context: TransportContext, connecting: Bool, maxOutboundBytes: Int) {
        self.connectionID = Self.nextID.wrappingAdd(1, ordering: .relaxed).oldValue
        self.fd = fd
        self.remoteDescription = remote
        self.context = context
        self.maxOutboundBytes = maxOutboundBytes
        self.reader = LoopBound(ReadState(buffer: [UInt8](repeating: 0, count: 64 * 1024), connecting: connecting), loop: context.loop)
        self.lastDirectWrite = LoopBound(.max, loop: context.loop)
    }

    // MARK: Sending

    func send(_ frame: [UInt8]) {
        guard !closedFlag.load(ordering: .relaxed) else { return }
        // The last queued job (typically the only one: a single call or reply) writes at once
        // rather than after the task finishes and the iteration ends; a burst of jobs, or a
        // second frame in the same iteration, is coalesced into one write after the iteration.
        if context.loop.inEventLoop, context.loop.isRunningLastQueuedJob, lastDirectWrite.value != context.loop.iteration,
           frame.count <= maxOutboundBytes, writeDirectly(frame) {
            lastDirectWrite.value = context.loop.iteration
            return
        }
        let queued = outbox.withLock { box -> Int in
            Self.append(frame, to: &box, limit: maxOutboundBytes)
            outboxBytes.store(box.count, ordering: .relaxed)
            return box.count
        }
        let total = backlog.wrappingAdd(frame.count, ordering: .relaxed).newValue
        if queued > maxOutboundBytes || total > maxOutboundBytes {
            close(reason: "outbound queue exceeded \(maxOutboundBytes) bytes; peer is not reading")
            return
        }
        // At most one flush is scheduled at a time; a frame appended while one is pending rides along.
        guard !flushScheduled.exchange(true, ordering: .acquiringAndReleasing) else { return }
        if context.loop.inEventLoop {
            context.loop.runAfterIteration { [self] in
                flushScheduled.store(false, ordering: .releasing)
                flush()
            }
        } else if !context.loop.executeIfAwake({ [self] in
            flushScheduled.store(false, ordering: .releasing)
            flush()
        }) {
            // The loop sleeps: write now from this thread (non-blocking) rather than wake it.
            flushScheduled.store(false, ordering: .releasing)
            flush()
        }
    }

    /// Appends `frame` (its header carrying the body's length) to `outbox`.
    /// The outbox grows by doubling, but not past `limit` (the connection's bound, beyond which it
    /// closes) unless one frame needs it.
    static func append(_ frame: [UInt8], to outbox: inout [UInt8], limit: Int) {
        let needed = outbox.count + frame.count
        if needed > outbox.capacity {
            // Geometric growth: reserving exactly what this frame needs would reallocate and copy
            // the whole outbox on every frame of a burst (quadratic in the burst's size).
            let doubled = Swift.min(Swift.max(2 * outbox.capacity, initialOutboxCapacity), limit)
            outbox.reserveCapacity(Swift.max(needed, doubled))
        }
        let length = frame.count - FrameBuffer.headerSize
        outbox.append(UInt8(truncatingIfNeeded: length >> 24))
        outbox.append(UInt8(truncatingIfNeeded: length >> 16))
        outbox.append(UInt8(truncatingIfNeeded: length >> 8))
        outbox.append(UInt8(truncatingIfNeeded: length))
        outbox.append(contentsOf: frame[FrameBuffer.headerSize...])
    }

    /// Writes `frame` with one system call straight from the caller's buffer — no copy into the
    /// outbox, no locks but the writer's — when nothing is queued ahead of it; false (nothing done)
    /// when another thread is writing or earlier bytes wait, and the frame must be queued instead.
    /// Whatever the kernel does not take becomes the leftover, drained as usual.
    private func writeDirectly(_ frame: [UInt8]) -> Bool {
        let wrote = writer.withLockIfAvailable { state -> Bool in
            // `outboxBytes` is exact for frames this thread queued (program order); a frame another
            // thread is queueing right now is concurrent with this one, so either order is right.
            guard !state.closed, !state.waitingForWritable, !state.hasLeftover,
                  outboxBytes.load(ordering: .relaxed) == 0 else { return false }
            let written = Self.sendFrame(frame, on: fd)
            if written == frame.count { return true }
            // Partly taken, refused (EAGAIN) or failed: the rest goes the usual way, which waits
            // for `EPOLLOUT` or closes the connection with the error.
            var bytes = frame
            Self.writeLengthPrefix(into: &bytes)
            state.leftover = bytes
            state.sent = max(0, written)
            backlog.wrappingAdd(bytes.count - state.sent, ordering: .relaxed)
            drainLocked(&state)
            return true
        }
        guard wrote == true else { return false }
        // Senders on other threads that found the writer lock taken left their frames for us.
        if outbox.withLock({ !$0.isEmpty }) { flush() }
        return true
    }

    /// Sends a frame whose first ``FrameBuffer/headerSize`` bytes are reserved for its length. The
    /// actor system's frames carry the length there already (``Frames/finish(_:)``) and go out as
    /// they are; otherwise the prefix goes from the stack and the body from `frame`, in one
    /// `sendmsg`. Returns what the system call did.
    private static func sendFrame(_ frame: [UInt8], on fd: Int32) -> Int {
        let length = UInt32(truncatingIfNeeded: frame.count - FrameBuffer.headerSize)
        let written = frame.withUnsafeBytes { bytes -> Int? in
            guard bytes.loadUnaligned(as: UInt32.self) == length.bigEndian else { return nil }
            // MSG_NOSIGNAL: a peer that vanished must yield EPIPE, never a process-killing SIGPIPE.
            return Glibc.send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
        }
        if let written { return written }
        var prefix = length.bigEndian
        return withUnsafeMutableBytes(of: &prefix) { header in
            frame.withUnsafeBytes { body in
                withUnsafeTemporaryAllocation(of: iovec.self, capacity: 2) { vector in
                    vector[0] = iovec(iov_base: header.baseAddress, iov_len: FrameBuffer.headerSize)
                    vector[1] = iovec(iov_base: UnsafeMutableRawPointer(mutating: body.baseAddress! + FrameBuffer.headerSize),
                                      iov_len: body.count - FrameBuffer.headerSize)
                    var message = msghdr()
                    message.msg_iov = vector.baseAddress
                    message.msg_iovlen = vector.count
                    // MSG_NOSIGNAL: a peer that vanished must yield EPIPE, never a process-killing SIGPIPE.
                    return Glibc.sendmsg(fd, &message, Int32(MSG_NOSIGNAL))
                }
            }
        }
    }

    /// Writes the frame's length into its reserved prefix.
    private static func writeLengthPrefix(into frame: inout [UInt8]) {
        let length = frame.count - FrameBuffer.headerSize
        frame[0] = UInt8(truncatingIfNeeded: length >> 24)
        frame[1] = UInt8(truncatingIfNeeded: length >> 16)
        frame[2] = UInt8(truncatingIfNeeded: length >> 8)
        frame[3] = UInt8(truncatingIfNeeded: length)
    }

    /// Writes everything queued, unless another thread is already writing (it will pick our
    /// frames up) or the socket is waiting for `EPOLLOUT`.
    private func flush() {
        while true {
            let acquired = writer.withLockIfAvailable { state -> Bool in
                guard !state.closed, !state.waitingForWritable else { return true }
                drainLocked(&state)
                return true
            }
            // Lock held elsewhere: the holder re-checks the outbox after releasing it.
            guard acquired != nil else { return }
            let more = outbox.withLock { !$0.isEmpty }
            let blocked = writer.withLock { $0.closed || $0.waitingForWritable }
            if !more || blocked { return }
        }
    }

    /// Writes leftover bytes and then the outbox until empty or the kernel pushes back.
    /// Must hold the writer lock, which also keeps `close` from releasing the descriptor mid-write.
    private func drainLocked(_ state: inout WriterState) {
        defer { releaseWaitersIfDrained() }
        while true {
            if !state.hasLeftover {
                state.sent = 0
                state.leftover = outbox.withLock { box -> [UInt8] in
                    defer {
                        box = []
                        outboxBytes.store(0, ordering: .relaxed)
                    }
                    return box
                }
                if state.leftover.isEmpty { return }
            }
            let start = state.sent
            let total = state.leftover.count - start
            // MSG_NOSIGNAL: a peer that vanished must yield EPIPE, never a process-killing SIGPIPE.
            let written = state.leftover.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + start, total, Int32(MSG_NOSIGNAL)) }
            if written > 0 { backlog.wrappingSubtract(written, ordering: .relaxed) }
            if written == total {
                state.dropLeftover()
                continue
            }
            if written >= 0 {
                state.sent += written
            } else if errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR {
                let reason = "write failed: \(String(cString: strerror(errno)))"
                state.dropLeftover()
                context.loop.execute { [self] in close(reason: reason) }
                return
            }
            if !state.waitingForWritable {
                state.waitingForWritable = true
                context.loop.execute { [self] in
                    if !closedFlag.load(ordering: .relaxed) { context.loop.setWritableInterest(fd: fd, true) }
                }
            }
            return
        }
    }

    var isBacklogged: Bool { backlog.load(ordering: .relaxed) > highWatermark }

    func waitForCapacity() async {
        guard backlog.load(ordering: .relaxed) > highWatermark, !closedFlag.load(ordering: .relaxed) else { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let wait = capacityWaiters.withLock { waiters -> Bool in
                // Announce before checking (Dekker): either this check sees the drain, or the
                // drain's check sees the flag and takes the lock to release us.
                hasCapacityWaiters.store(true, ordering: .relaxed)
                atomicMemoryFence(ordering: .sequentiallyConsistent)
                guard backlog.load(ordering: .relaxed) > highWatermark / 2, !closedFlag.load(ordering: .relaxed) else { return false }
                waiters.append(continuation)
                return true
            }
            if !wait { continuation.resume() }
        }
    }

    /// Wakes senders waiting for capacity once the backlog fell below the low watermark (half the
    /// high one) or the connection closed.
    private func releaseWaitersIfDrained() {
        guard backlog.load(ordering: .relaxed) <= highWatermark / 2 || closedFlag.load(ordering: .relaxed) else { return }
        // Pairs with the fence in `waitForCapacity`: the backlog was lowered before this point.
        atomicMemoryFence(ordering: .sequentiallyConsistent)
        guard hasCapacityWaiters.load(ordering: .relaxed) else { return }
        let waiters = capacityWaiters.withLock { waiters -> [CheckedContinuation<Void, Never>] in
            hasCapacityWaiters.store(false, ordering: .relaxed)
            defer { waiters.removeAll() }
            return waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    // MARK: Events (loop thread)

    func handleEvent(readable: Bool, writable: Bool, hangup: Bool) {
        if reader.value.connecting {
            guard writable || hangup else { return }
            let code = SocketOptions.pendingError(fd)
            if code != 0 {
                closeNow(reason: "connect failed: \(String(cString: strerror(code)))")
                return
            }
            reader.value.connecting = false
            context.loop.setWritableInterest(fd: fd, !outbox.withLock { $0.isEmpty })
            context.delegate.transport(connected: self)
            flush()
            return
        }
        if writable {
            let done = writer.withLock { state -> Bool in
                state.waitingForWritable = false
                drainLocked(&state)
                return !state.waitingForWritable
            }
            if done {
                context.loop.setWritableInterest(fd: fd, false)
                // Senders that found the writer lock taken while we drained left their frames in the
                // outbox for the lock holder: pick them up now.
                if outbox.withLock({ !$0.isEmpty }) { flush() }
            }
        }
        if readable || hangup { readAvailable() }
    }

    func pollInput() -> PollResult {
        // Checked on the loop thread, where `closeNow` runs: a closed connection's descriptor
        // number may already belong to another socket.
        if closedFlag.load(ordering: .relaxed) || reader.value.connecting { return .gone }
        let received = readAvailable()
        if closedFlag.load(ordering: .relaxed) { return .gone }
        return received > 0 ? .input : .nothing
    }

    /// Reads and delivers what the socket holds; returns how many bytes were read.
    @discardableResult
    private func readAvailable() -> Int {
        var received = 0
        for _ in 0..<8 {
            // Mutate the loop-confined buffer in place: copying the state would copy the buffer.
            let (count, capacity, failure) = { () -> (Int, Int, Int32) in
                if reader.value.end == reader.value.buffer.count {
                    reader.value.buffer.append(contentsOf: repeatElement(0, count: reader.value.buffer.count))
                }
                let end = reader.value.end
                let capacity = reader.value.buffer.count - end
                let count = reader.value.buffer.withUnsafeMutableBytes { raw in
                    Glibc.read(fd, raw.baseAddress! + end, capacity)
                }
                if count > 0 { reader.value.end += count }
                return (count, capacity, count < 0 ? errno : 0)
            }()
            if count == 0 {
                closeNow(reason: "peer closed the connection")
                return received
            }
            if count < 0 {
                if failure == EAGAIN || failure == EWOULDBLOCK || failure == EINTR { return received }
                closeNow(reason: "read failed: \(String(cString: strerror(failure)))")
                return received
            }
            received += count
            guard parseFrames() else { return received }
            if count < capacity { return received }
        }
        return received
    }

    /// Delivers every complete frame in the read buffer; false when the connection was closed.
    private func parseFrames() -> Bool {
        while true {
            let start = reader.value.start
            let available = reader.value.end - start
            if available < 4 { break }
            let length = reader.value.buffer.withUnsafeBytes { raw -> Int in
                Int(raw.loadUnaligned(fromByteOffset: start, as: UInt32.self).bigEndian)
            }
            if length == 0 || length > context.maxFrameSize {
                let reason = length == 0
                    ? "protocol violation: empty frame"
                    : "frame of \(length) bytes exceeds the limit of \(context.maxFrameSize) bytes"
                closeNow(reason: reason)
                return false
            }
            if available - 4 < length {
                if 4 + length > reader.value.buffer.count - start {
                    // Make room for the whole frame: compact first, then grow if still too small.
                    compact()
                    if 4 + length > reader.value.buffer.count {
                        reader.value.buffer.append(contentsOf: repeatElement(0, count: 4 + length - reader.value.buffer.count))
                    }
                }
                return true
            }
            let frameStart = start + 4
            reader.value.start = frameStart + length
            // The slice shares the buffer's storage; delegates copy what they keep, and must not
            // hold the slice, or the next read would copy the whole buffer.
            context.delegate.transport(self, received: reader.value.buffer[frameStart..<(frameStart + length)])
            if closedFlag.load(ordering: .relaxed) { return false }
        }
        compact()
        return true
    }

    /// Moves a partial frame to the front so the buffer never creeps.
    private func compact() {
        let start = reader.value.start
        guard start > 0 else { return }
        let remaining = reader.value.end - start
        if remaining > 0 {
            reader.value.buffer.withUnsafeMutableBytes { raw in
                raw.baseAddress!.copyMemory(from: raw.baseAddress! + start, byteCount: remaining)
            }
        }
        reader.value.start = 0
        reader.value.end = remaining
    }

    // MARK: Closing

    func close(reason: String) {
        if context.loop.inEventLoop {
            closeNow(reason: reason)
        } else {
            context.loop.execute { [self] in closeNow(reason: reason) }
        }
    }

    private func closeNow(reason: String) {
        guard !closedFlag.exchange(true, ordering: .acquiringAndReleasing) else { return }
        context.loop.deregister(fd: fd)
        writer.withLock { state in
            // Best effort: one non-blocking attempt to deliver what is queued (e.g. a goodbye).
            if !state.waitingForWritable { drainLocked(&state) }
            state.closed = true
            state.dropLeftover()
            Glibc.close(fd)
        }
        outbox.withLock {
            $0 = []
            outboxBytes.store(0, ordering: .relaxed)
        }
        backlog.store(0, ordering: .relaxed)
        releaseWaitersIfDrained()
        context.delegate.transport(closed: self, reason: reason)
    }
}
