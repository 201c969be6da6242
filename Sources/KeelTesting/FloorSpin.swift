import Glibc

/// How the benchmark floor's two ends wait after a non-blocking read found nothing: spin for up to
/// 50 µs, yielding the CPU after every `yieldEvery`-th empty read (as Keel's event loop does after
/// activity), then block in `poll(2)` until the socket is readable. Shared by the bare-socket echo
/// server (`keel-actor-peer --floor`) and the benchmark's client, so both ends wait alike.
public struct FloorSpin {
    /// How long to spin before blocking.
    public static let window: UInt64 = 50_000
    private let yieldEvery: Int
    private var spinStart: UInt64 = 0
    private var spins = 0

    /// A waiter that yields after every `yieldEvery`-th empty read (1: after each).
    public init(yieldEvery: Int) { self.yieldEvery = max(1, yieldEvery) }

    /// Reads from `fd` until the first `count` bytes of `buffer` are filled (`have` of them already
    /// are), taking whatever else has arrived too (`have` ends up ≥ `count`); with `spin`, waits like a
    /// `FloorSpin` yielding every `yieldEvery`-th empty read, without it blocks in `recv`. False when the
    /// peer closed the connection or the read failed.
    public static func read(_ fd: Int32, into buffer: inout [UInt8], count: Int, have: inout Int, spin: Bool, yieldEvery: Int = 1) -> Bool {
        var waiter = FloorSpin(yieldEvery: yieldEvery)
        while have < count {
            let room = buffer.count - have
            let filled = have
            let got = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + filled, room, spin ? Int32(MSG_DONTWAIT) : 0) }
            if got > 0 {
                have += got
                waiter.reset()
                continue
            }
            if got == 0 { return false }
            guard spin, errno == EAGAIN || errno == EWOULDBLOCK else { return false }
            waiter.waitAfterEmptyRead(on: fd)
        }
        return true
    }

    /// Data arrived: the next empty read starts a new spin window.
    public mutating func reset() { spinStart = 0 }

    /// Called after an empty read on `fd`: returns at once while spinning, or after blocking until
    /// `fd` is readable once the window is over.
    public mutating func waitAfterEmptyRead(on fd: Int32) {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let nanos = UInt64(now.tv_sec) &* 1_000_000_000 &+ UInt64(now.tv_nsec)
        if spinStart == 0 { spinStart = nanos }
        if nanos &- spinStart < Self.window {
            spins += 1
            if spins % yieldEvery == 0 { sched_yield() }
        } else {
            var waiter = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            _ = poll(&waiter, 1, -1)
            spinStart = 0
        }
    }
}
