import Synchronization
import Testing
@testable import KeelActors

/// The route table's one-entry memo of the last established route: it answers only for the same
/// endpoint, and any change to the table makes the next lookup consult the table again.
@Suite struct RouteTableTests {
    /// A connection that is never used: the table only stores and compares links.
    final class IdleConnection: TransportConnection {
        let connectionID: UInt64
        init(_ id: UInt64) { connectionID = id }
        var remoteDescription: String { "idle-\(connectionID)" }
        func send(_ frame: [UInt8]) {}
        func close(reason: String) {}
    }

    private func link(_ id: UInt64, loop: EventLoop) -> Link {
        let node = NodeID(endpoint: Endpoint(host: "127.0.0.1", port: 1), incarnation: 1)
        return Link(connection: IdleConnection(id), outbound: true, dialedEndpoint: nil,
                    handshake: HandshakeStateMachine(local: node, cluster: "test", secret: nil, initiator: true), loop: loop)
    }

    @Test func theMemoAnswersOnlyForItsEndpointAndEveryChangeForgetsIt() async throws {
        let loop = try EventLoop(name: "routes")
        let a = Endpoint(host: "10.0.0.1", port: 5050)
        let b = Endpoint(host: "10.0.0.2", port: 5050)
        let first = link(1, loop: loop), second = link(2, loop: loop), third = link(3, loop: loop)
        var table = RouteTable()
        table[a] = .established(first, NodeID(endpoint: a, incarnation: 10))
        table[b] = .established(second, NodeID(endpoint: b, incarnation: 20))
        // Looked up twice (the second from the memo), then the other endpoint: each gets its own link.
        #expect(table.established(a)?.link === first)
        #expect(table.established(a)?.node.incarnation == 10)
        #expect(table.established(b)?.link === second)
        #expect(table.established(a)?.link === first)
        // Replaced (a reconnect): the new link and incarnation, not the memo's.
        table[a] = .established(third, NodeID(endpoint: a, incarnation: 11))
        #expect(table.established(a)?.link === third)
        #expect(table.established(a)?.node.incarnation == 11)
        // Gone, or not established: nothing.
        table[a] = nil
        #expect(table.established(a) == nil)
        table[b] = .connecting(queued: [], failures: 0)
        #expect(table.established(b) == nil)
        #expect(Array(table).isEmpty == false)
        loop.shutdown()
        await loop.waitForShutdown()
    }

    /// Frames for a node being dialled queue on its route, in order, and are appended in place:
    /// appending through a copy of the route once copied every frame queued so far, for every call.
    @Test func framesQueueOnAConnectingRouteInOrderWithoutCopies() {
        let endpoint = Endpoint(host: "10.0.0.3", port: 5050)
        var table = RouteTable()
        let queuedWithoutRoute = table.enqueue([0], callID: 0, on: endpoint)
        #expect(!queuedWithoutRoute, "no route: nothing is queued")
        table[endpoint] = .connecting(queued: [], failures: 2)
        func queue() -> [(callID: UInt64?, frame: [UInt8])] {
            guard case .connecting(let queued, _)? = table[endpoint] else { return [] }
            return queued
        }
        var copies = 0
        for index in 0..<1_000 {
            // Looked at in a scope of its own: a copy held across the append would itself force a copy.
            let (storage, spare) = { () -> (UnsafePointer<(callID: UInt64?, frame: [UInt8])>?, Bool) in
                let before = queue()
                return before.withUnsafeBufferPointer { ($0.baseAddress, before.capacity > before.count) }
            }()
            let queued = table.enqueue([UInt8(truncatingIfNeeded: index)], callID: UInt64(index), on: endpoint)
            #expect(queued)
            // With room to spare, an in-place append keeps the storage; a copy would move it.
            if spare, queue().withUnsafeBufferPointer({ $0.baseAddress }) != storage { copies += 1 }
        }
        #expect(copies == 0)
        let queued = queue()
        #expect(queued.map(\.callID) == (0..<1_000).map { UInt64($0) })
        guard case .connecting(_, let failures)? = table[endpoint] else { Issue.record("the route is no longer connecting"); return }
        #expect(failures == 2)
    }
}
