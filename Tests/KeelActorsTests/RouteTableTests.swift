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
}
