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
            TCPConnection.append(frame, to: &outbox)
            if outbox.capacity != before { capacityChanges += 1 }
        }
        #expect(outbox == frames.flatMap { $0 })
        // 1 KiB doubling up to ~160 KB is 8 reallocations; allow for the allocator's rounding.
        #expect(capacityChanges <= 12, "\(capacityChanges) reallocations for \(frames.count) frames")
    }
}
