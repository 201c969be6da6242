import Distributed
import KeelActors
import KeelTesting
import Synchronization
import Testing

@Suite("Calls over both transports")
struct CallTests {
    @Test(arguments: TransportKind.allCases)
    func callAndReply(_ kind: TransportKind) async throws {
        let cluster = TestCluster(kind)
        let (server, actor) = try cluster.echoNode("server")
        let client = try cluster.node("client")
        let echo = try await client.resolve($EchoService.self, named: "echo", at: server.endpoint)
        #expect(try await echo.greet("keel") == "hello, keel")
        #expect(try await echo.echo([1, 2, 3]) == [1, 2, 3])
        #expect(echo.id.node == server.node)
        withExtendedLifetime(actor) {}
        await cluster.shutdown()
    }

    @Test(arguments: TransportKind.allCases)
    func actorsAsArgumentsAndResults(_ kind: TransportKind) async throws {
        let cluster = TestCluster(kind)
        let (a, actorA) = try cluster.echoNode("a")
        let (b, actorB) = try cluster.echoNode("b")
        let client = try cluster.node("client")
        let echoA = try await client.resolve($EchoService.self, named: "echo", at: a.endpoint)
        // A result that is an actor: a proxy to the child on node a.
        let child = try await echoA.spawnChild()
        #expect(child.id.node == a.node)
        #expect(try await child.greet("child") == "hello, child")
        // An argument that is an actor on a third node: a calls b on the client's behalf.
        let onB = try EchoActor.resolve(id: actorB.id, using: client)
        #expect(try await echoA.forwardGreeting(to: onB, name: "via a") == "hello, via a")
        withExtendedLifetime((actorA, actorB, b)) {}
        await cluster.shutdown()
    }

    @Test(arguments: TransportKind.allCases)
    func deadLetters(_ kind: TransportKind) async throws {
        let cluster = TestCluster(kind)
        let (server, actor) = try cluster.echoNode("server")
        let client = try cluster.node("client")
        let missing = try $EchoService.resolve(id: try await client.actorID(named: "nobody", at: server.endpoint), using: client)
        await #expect(throws: ActorSystemError.self) { _ = try await missing.greet("x") }
        do {
            _ = try await missing.greet("x")
        } catch let error as ActorSystemError {
            guard case .deadLetter(let id, _) = error else { Issue.record("expected a dead letter, got \(error)"); return }
            #expect(id.path == "nobody")
        }
        // A stale incarnation never reaches a live actor with the same path.
        var stale = actor.id
        stale.node.incarnation &+= 1
        let ghost = try $EchoService.resolve(id: stale, using: client)
        await #expect(throws: ActorSystemError.self) { _ = try await ghost.greet("x") }
        #expect(try await EchoActor.resolve(id: actor.id, using: client).greet("live") == "hello, live")
        await cluster.shutdown()
    }

    @Test(arguments: TransportKind.allCases)
    func errorsOfBothKinds(_ kind: TransportKind) async throws {
        let cluster = TestCluster(kind)
        let (server, actor) = try cluster.echoNode("server")
        let client = try cluster.node("client")
        let echo = try await client.resolve($EchoService.self, named: "echo", at: server.endpoint)
        await #expect(throws: EchoError(message: "registered boom")) { try await echo.fail(registered: true, message: "registered boom") }
        do {
            try await echo.fail(registered: false, message: "plain boom")
            Issue.record("expected an error")
        } catch let error as RemoteCallError {
            #expect(error.typeName.hasSuffix("UnregisteredEchoError"))
            #expect(error.message == "unregistered: plain boom")
        }
        withExtendedLifetime(actor) {}
        await cluster.shutdown()
    }

    @Test(arguments: TransportKind.allCases)
    func timeoutsAreTypedAndPerCall(_ kind: TransportKind) async throws {
        let cluster = TestCluster(kind)
        let (server, actor) = try cluster.echoNode("server")
        let client = try cluster.node("client")
        let echo = try await client.resolve($EchoService.self, named: "echo", at: server.endpoint)
        do {
            _ = try await KeelActorSystem.withCallTimeout(.milliseconds(100)) { try await echo.delay(milliseconds: 5_000) }
            Issue.record("expected a timeout")
        } catch ActorSystemError.timeout(let id, _, let ms) {
            #expect(id == echo.id)
            #expect(ms == 100)
        }
        // The connection is still fine afterwards.
        #expect(try await echo.greet("after") == "hello, after")
        withExtendedLifetime(actor) {}
        await cluster.shutdown()
    }

    @Test(arguments: TransportKind.allCases)
    func cancellationReachesTheWaitingCall(_ kind: TransportKind) async throws {
        let cluster = TestCluster(kind)
        let (server, actor) = try cluster.echoNode("server")
        let client = try cluster.node("client")
        let echo = try await client.resolve($EchoService.self, named: "echo", at: server.endpoint)
        let task = Task { try await echo.delay(milliseconds: 20_000) }
        // Wait until the call is in flight on the server side is not observable; cancel right away:
        // both orders (before and after the frame left) must end in CancellationError.
        task.cancel()
        let result = await task.result
        #expect(throws: CancellationError.self) { try result.get() }
        let second = Task { try await echo.delay(milliseconds: 20_000) }
        _ = try await echo.greet("in flight now")
        second.cancel()
        let secondResult = try await withDeadline(5, "cancelled call") { await second.result }
        #expect(throws: CancellationError.self) { try secondResult.get() }
        withExtendedLifetime(actor) {}
        await cluster.shutdown()
    }

    /// Calls racing with their own node's shutdown all end, none waits forever: a call that passed the
    /// shutdown check at its start just before the shutdown began must still be failed (its route would be
    /// dialled on a loop that is stopping).
    @Test(arguments: TransportKind.allCases)
    func callsRacingWithTheirNodesShutdownAllEnd(_ kind: TransportKind) async throws {
        let cluster = TestCluster(kind)
        let (server, actor) = try cluster.echoNode("server")
        // A call left waiting must show as one, not be rescued by its timeout.
        let client = try cluster.node("client") { $0.callTimeout = .seconds(600) }
        let echo = try await client.resolve($EchoService.self, named: "echo", at: server.endpoint)
        final class Counter: Sendable { let value = Atomic<Int>(0) }
        let completed = Counter()
        let going = AsyncStream<Void>.makeStream()
        let callers = (0..<16).map { _ in
            Task { () -> Int in
                var failures = 0
                while failures == 0 {
                    do {
                        _ = try await echo.greet("racing")
                        if completed.value.add(1, ordering: .relaxed).newValue == 200 { going.continuation.yield() }
                    } catch {
                        failures += 1
                    }
                }
                return failures
            }
        }
        for await _ in going.stream { break }
        await client.shutdown()
        let ended = try await withDeadline(30, "every racing call ended") {
            var ended = 0
            for caller in callers { ended += await caller.value }
            return ended
        }
        #expect(ended == callers.count)
        withExtendedLifetime(actor) {}
        await cluster.shutdown()
    }

    @Test(arguments: TransportKind.allCases)
    func perPairOrderingOfTenThousandConcurrentMessages(_ kind: TransportKind) async throws {
        let cluster = TestCluster(kind)
        // Not a heartbeat test: 10,000 calls in flight, with the whole suite sharing two cores, can
        // keep a loop from sending its pings for longer than the tests' usual 2 s timeout.
        let patient: (inout ActorSystemConfiguration) -> Void = { $0.heartbeatTimeout = .seconds(30) }
        let (server, actor) = try cluster.echoNode("server", patient)
        let clients = try (0..<2).map { try cluster.node("client\($0)", patient) }
        let senders = 10, perSender = 1_000
        try await withThrowingTaskGroup(of: Void.self) { group in
            for sender in 0..<senders {
                let client = clients[sender % clients.count]
                let echo = try await client.resolve($EchoService.self, named: "echo", at: server.endpoint)
                let calls = Self.recordsInFlight(echo, on: client, sender: sender, count: perSender)
                group.addTask { for call in calls { _ = try await call.value } }
            }
            try await group.waitForAll()
        }
        try await Self.expectRecordsInOrder(of: actor, via: clients[0], senders: senders, perSender: perSender)
        await cluster.shutdown()
    }

    /// Starts `count` `record` calls from `sender`, all in flight at once: tasks started on the
    /// loop run (and send) in creation order.
    private static func recordsInFlight(_ echo: $EchoService, on client: KeelActorSystem, sender: Int, count: Int) -> [Task<Int, Error>] {
        (0..<count).map { sequence in
            Task(executorPreference: client.loop) { try await echo.record(sender: sender, sequence: sequence) }
        }
    }

    /// Expects every sender's records complete and in sending order.
    private static func expectRecordsInOrder(of actor: EchoActor, via client: KeelActorSystem, senders: Int, perSender: Int) async throws {
        let records = try await EchoActor.resolve(id: actor.id, using: client).records()
        #expect(records.count == senders * perSender)
        for sender in 0..<senders {
            let sequences = records.filter { $0.sender == sender }.map(\.sequence)
            let firstOutOfOrder = zip(sequences, 0...).first { $0.0 != $0.1 }
            #expect(sequences.count == perSender && firstOutOfOrder == nil,
                    "sender \(sender): \(sequences.count) records, first out of order at \(String(describing: firstOutOfOrder))")
        }
    }

    /// With busy-polling on, the loop reads the connection that last had input directly and asks
    /// epoll only every few rounds, and a job's reply is written at once: two clients hammering one
    /// server must both be served, every reply must reach its own caller, and order must hold.
    @Test func busyPollingNodesServeEveryConnectionInOrder() async throws {
        let cluster = TestCluster(.tcp)
        let spin: (inout ActorSystemConfiguration) -> Void = { $0.busyPoll = .microseconds(50) }
        let (server, actor) = try cluster.echoNode("server", spin)
        let clients = try (0..<2).map { try cluster.node("client\($0)", spin) }
        let senders = 4, perSender = 500
        try await withDeadline(60, "busy-polling calls") {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for sender in 0..<senders {
                    let client = clients[sender % clients.count]
                    let echo = try await client.resolve($EchoService.self, named: "echo", at: server.endpoint)
                    // Half the senders go one call at a time (the request/response path the direct
                    // read serves), half put all their calls in flight at once (bursts, coalesced writes).
                    if sender % 2 == 0 {
                        group.addTask {
                            try await Task(executorPreference: client.loop) {
                                for sequence in 0..<perSender {
                                    let payload = [UInt8](repeating: UInt8(truncatingIfNeeded: sequence), count: 1 + sequence % 200)
                                    #expect(try await echo.echo(payload) == payload)
                                    _ = try await echo.record(sender: sender, sequence: sequence)
                                }
                            }.value
                        }
                    } else {
                        let calls = Self.recordsInFlight(echo, on: client, sender: sender, count: perSender)
                        group.addTask { for call in calls { _ = try await call.value } }
                    }
                }
                try await group.waitForAll()
            }
        }
        try await Self.expectRecordsInOrder(of: actor, via: clients[0], senders: senders, perSender: perSender)
        await cluster.shutdown()
    }

    @Test(arguments: TransportKind.allCases)
    func reconnectAfterThePeerRestarts(_ kind: TransportKind) async throws {
        let cluster = TestCluster(kind)
        let (first, firstActor) = try cluster.echoNode("server")
        let client = try cluster.node("client")
        let endpoint = first.endpoint
        let oldEcho = try await client.resolve($EchoService.self, named: "echo", at: endpoint)
        #expect(try await oldEcho.greet("one") == "hello, one")
        let gone = Task { await client.termination(of: oldEcho.id) }
        if kind == .memory { cluster.network.crash(endpoint) }
        await first.shutdown()
        let termination = try await withDeadline(5, "termination") { await gone.value }
        #expect(termination?.id == oldEcho.id)
        withExtendedLifetime(firstActor) {}

        let (second, secondActor) = try cluster.echoNode("server", port: endpoint.port)
        #expect(second.endpoint == endpoint)
        #expect(second.incarnation != first.incarnation)
        let newEcho = try await eventually { try await client.resolve($EchoService.self, named: "echo", at: endpoint) }
        #expect(try await eventually { try await newEcho.greet("two") } == "hello, two")
        // The old reference names a dead incarnation: a dead letter, never the new actor.
        do {
            _ = try await oldEcho.greet("stale")
            Issue.record("a stale reference reached the new incarnation")
        } catch let error as ActorSystemError {
            guard case .deadLetter = error else { Issue.record("expected a dead letter, got \(error)"); return }
        }
        withExtendedLifetime(secondActor) {}
        await cluster.shutdown()
    }

    /// Regression: a `$Protocol` stub resolved on the actor's own node used to dead-letter.
    @Test func aProtocolStubReachesAnActorOnTheSameNode() async throws {
        let cluster = TestCluster(.memory)
        let (node, actor) = try cluster.echoNode("solo")
        let stub = try $EchoService.resolve(id: actor.id, using: node)
        #expect(try await stub.greet("myself") == "hello, myself")
        await #expect(throws: EchoError(message: "local")) { try await stub.fail(registered: true, message: "local") }
        var calls: [Task<Int, Error>] = []
        for sequence in 0..<200 {
            calls.append(Task(executorPreference: node.loop) { try await stub.record(sender: 1, sequence: sequence) })
        }
        for call in calls { _ = try await call.value }
        #expect(try await stub.records().map(\.sequence) == Array(0..<200))
        let ghost = try $EchoService.resolve(id: ActorID(node: node.node, path: "nobody"), using: node)
        await #expect(throws: ActorSystemError.self) { _ = try await ghost.greet("x") }
        await cluster.shutdown()
    }
}
