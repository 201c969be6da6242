import Testing
@testable import KeelActors

/// The watch table finds the watches of one node without looking at the others', and forgets an actor
/// everywhere once its last watch is gone.
@Suite struct WatchTableTests {
    private let a = Endpoint(host: "10.0.0.1", port: 5051)
    private let b = Endpoint(host: "10.0.0.2", port: 5051)
    private func actor(_ path: String, on endpoint: Endpoint, incarnation: UInt64 = 1) -> ActorID {
        ActorID(node: NodeID(endpoint: endpoint, incarnation: incarnation), path: path)
    }

    @Test func aNodesWatchesAreRemovedTogetherAndNoOtherNodes() {
        var table = WatchTable()
        let first = table.add(actor("x", on: a)) { _ in }
        let second = table.add(actor("x", on: a)) { _ in }
        _ = table.add(actor("y", on: a)) { _ in }
        _ = table.add(actor("old", on: a, incarnation: 7)) { _ in }
        _ = table.add(actor("z", on: b)) { _ in }
        #expect(first.first && !second.first, "only the first watch of an actor is the first")
        #expect(table.watchedActors == 4)
        // A node restarted as incarnation 7: the watches of its earlier incarnation fire, not its own.
        let fired = table.removeAll(on: a, except: 7)
        #expect(Set(fired.map(\.id.path)) == ["x", "y"])
        #expect(fired.first { $0.id.path == "x" }?.callbacks.count == 2)
        let again = table.removeAll(on: a, except: 7)
        #expect(again.isEmpty, "fired watches are gone")
        let earlier = table.removeAll(on: a)
        #expect(earlier.map(\.id.path) == ["old"])
        let none = table.removeAll(on: a)
        #expect(none.isEmpty)
        #expect(table.watchedActors == 1)
        let other = table.removeAll(on: b)
        #expect(other.map(\.id.path) == ["z"])
    }

    @Test func removingTheLastWatchOfAnActorForgetsItForItsNode() {
        var table = WatchTable()
        let x = actor("x", on: a)
        let first = table.add(x) { _ in }
        let second = table.add(x) { _ in }
        let notLast = table.remove(first.token)
        #expect(!notLast, "another watch of x remains")
        let twice = table.remove(first.token)
        #expect(!twice, "removing twice changes nothing")
        let last = table.remove(second.token)
        #expect(last, "the last watch of x")
        let listed = table.removeAll(on: a)
        #expect(listed.isEmpty, "x is no longer listed for its node")
        let again = table.add(x) { _ in }
        #expect(again.first)
        let ofX = table.removeAll(of: x)
        #expect(ofX.count == 1)
        let after = table.removeAll(on: a)
        #expect(after.isEmpty)
        #expect(table.watchedActors == 0)
    }
}
