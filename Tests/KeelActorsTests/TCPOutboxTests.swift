import Testing
@testable import KeelActors

/// Frames queued on a TCP connection while no write is possible gather in one outbox buffer.
@Suite struct TCPOutboxTests {
    private func frame(_ index: Int, bodyBytes: Int) -> [UInt8] {
        var writer = Frames.start(.call, capacity: bodyBytes + 8)
        for offset in 0..<(bodyBytes - 1) { writer.writeByte(UInt8(truncatingIfNeeded: index &+ offset)) }
        return Frames.finish(&writer)
    }

    /// The outbox once reserved exactly each new frame's size on top of its contents, which defeats
    /// the array's geometric growth: a burst of replies reallocated and copied the whole outbox for
    /// every frame (quadratic in the burst), a measurable share of a node's CPU at 64 calls in flight.
    @Test func aBurstOfFramesGrowsTheOutboxGeometricallyAndKeepsThemInOrder() throws {
        let frames = (0..<2_000).map { frame($0, bodyBytes: 80) }
        var outbox: [UInt8] = []
        var capacityChanges = 0
        for frame in frames {
            let before = outbox.capacity
            TCPConnection.append(frame, to: &outbox, limit: 16 << 20)
            if outbox.capacity != before { capacityChanges += 1 }
        }
        #expect(outbox == frames.flatMap { $0 })
        // 1 KiB doubling up to ~160 KB is 8 reallocations; allow for the allocator's rounding.
        #expect(capacityChanges <= 12, "\(capacityChanges) reallocations for \(frames.count) frames")
    }

    /// Doubling stops at the connection's bound (past which it closes): a full outbox never holds
    /// twice the memory it may use.
    @Test func theOutboxDoesNotGrowPastItsBoundByDoubling() throws {
        let limit = 50_000
        var outbox: [UInt8] = []
        var largest = 0
        while outbox.count <= limit {
            TCPConnection.append(frame(outbox.count, bodyBytes: 80), to: &outbox, limit: limit)
            largest = max(largest, outbox.capacity)
        }
        // The allocator may round a block up; it never approaches the 64 KiB doubling would reach.
        #expect(largest < limit + 4_096, "capacity reached \(largest) bytes for a bound of \(limit)")
    }
}
