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
        var leftover: [UInt8] = []
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
    private let outboxBytes = Atomic<Int>(0)
    private let writer = Mutex(WriterState())
    private let flushScheduled = Atomic<Bool>(false)
    private let closedFlag = Atomic<Bool>(false)
    private let reader: LoopBound<ReadState>

    private static let nextID = Atomic<UInt64>(1)

    init(fd: Int32, remote: String, context: TransportContext, connecting: Bool, maxOutboundBytes: Int) {
        self.connectionID = Self.nextID.wrappingAdd(1, ordering: .relaxed).oldValue
        self.fd = fd
        self.remoteDescription = remote
        self.context = context
        self.maxOutboundBytes = maxOutboundBytes
        self.reader = LoopBound(ReadState(buffer: [UInt8](repeating: 0, count: 64 * 1024), connecting: connecting), loop: context.loop)
    }

    // MARK: Sending

    func send(_ frame: [UInt8]) {
        guard !closedFlag.load(ordering: .relaxed) else { return }
        let length = frame.count - FrameBuffer.headerSize
        let queued = outbox.withLock { box -> Int in
            box.reserveCapacity(box.count + frame.count)
            box.append(UInt8(truncatingIfNeeded: length >> 24))
            box.append(UInt8(truncatingIfNeeded: length >> 16))
            box.append(UInt8(truncatingIfNeeded: length >> 8))
            box.append(UInt8(truncatingIfNeeded: length))
            box.append(contentsOf: frame[FrameBuffer.headerSize...])
            return box.count
        }
        if queued > maxOutboundBytes {
            close(reason: "outbound queue exceeded \(maxOutboundBytes) bytes; peer is not reading")
            return
        }
        if context.loop.inEventLoop {
            if !flushScheduled.exchange(true, ordering: .acquiringAndReleasing) {
                context.loop.runAfterIteration { [self] in
                    flushScheduled.store(false, ordering: .releasing)
                    flush()
                }
            }
        } else {
            flush()
        }
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
        while true {
            if state.leftover.isEmpty {
                state.leftover = outbox.withLock { box -> [UInt8] in
                    defer { box = [] }
                    return box
                }
                if state.leftover.isEmpty { return }
            }
            let total = state.leftover.count
            let written = state.leftover.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, total) }
            if written == total {
                state.leftover.removeAll(keepingCapacity: false)
                continue
            }
            if written >= 0 {
                state.leftover.removeFirst(written)
            } else if errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR {
                let reason = "write failed: \(String(cString: strerror(errno)))"
                state.leftover = []
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
            if done { context.loop.setWritableInterest(fd: fd, false) }
        }
        if readable || hangup { readAvailable() }
    }

    private func readAvailable() {
        for _ in 0..<8 {
            var state = reader.value
            if state.end == state.buffer.count {
                state.buffer.append(contentsOf: repeatElement(0, count: state.buffer.count))
            }
            let capacity = state.buffer.count - state.end
            let count = state.buffer.withUnsafeMutableBytes { raw in
                Glibc.read(fd, raw.baseAddress! + state.end, capacity)
            }
            if count == 0 {
                reader.value = state
                closeNow(reason: "peer closed the connection")
                return
            }
            if count < 0 {
                reader.value = state
                if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { return }
                closeNow(reason: "read failed: \(String(cString: strerror(errno)))")
                return
            }
            state.end += count
            reader.value = state
            guard parseFrames() else { return }
            if count < capacity { return }
        }
    }

    /// Delivers every complete frame in the read buffer; false when the connection was closed.
    private func parseFrames() -> Bool {
        while true {
            let state = reader.value
            let available = state.end - state.start
            if available < 4 { break }
            let length = state.buffer.withUnsafeBytes { raw -> Int in
                Int(raw.loadUnaligned(fromByteOffset: state.start, as: UInt32.self).bigEndian)
            }
            if length == 0 || length > context.maxFrameSize {
                let reason = length == 0
                    ? "protocol violation: empty frame"
                    : "frame of \(length) bytes exceeds the limit of \(context.maxFrameSize) bytes"
                closeNow(reason: reason)
                return false
            }
            if available - 4 < length {
                if 4 + length > state.buffer.count { reader.value.buffer.reserveCapacity(4 + length) }
                break
            }
            let frameStart = state.start + 4
            reader.value.start = frameStart + length
            context.delegate.transport(self, received: state.buffer[frameStart..<(frameStart + length)])
            if closedFlag.load(ordering: .relaxed) { return false }
        }
        // Compact: move a partial frame to the front so the buffer never creeps.
        var state = reader.value
        if state.start > 0 {
            let remaining = state.end - state.start
            if remaining > 0 {
                state.buffer.withUnsafeMutableBytes { raw in
                    raw.baseAddress!.copyMemory(from: raw.baseAddress! + state.start, byteCount: remaining)
                }
            }
            state.start = 0
            state.end = remaining
            reader.value = state
        }
        return true
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
            state.closed = true
            state.leftover = []
            Glibc.close(fd)
        }
        outbox.withLock { $0 = [] }
        context.delegate.transport(closed: self, reason: reason)
    }
}
