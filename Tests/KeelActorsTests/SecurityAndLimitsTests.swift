import Distributed
import KeelActors
import KeelTesting
import Testing

@Suite("Authentication and limits")
struct SecurityAndLimitsTests {
    @Test(arguments: TransportKind.allCases)
    func sharedSecretAuthenticatesPeers(_ kind: TransportKind) async throws {
        let cluster = TestCluster(kind)
        let secret = Array("correct horse battery staple".utf8)
        let (server, actor) = try cluster.echoNode("server") { $0.sharedSecret = secret }
        let friend = try cluster.node("friend") { $0.sharedSecret = secret }
        let echo = try await friend.resolve($EchoService.self, named: "echo", at: server.endpoint)
        #expect(try await echo.greet("friend") == "hello, friend")

        // A node with the wrong secret, and one with none, can call nothing.
        for (name, wrong) in [("stranger", Array("guess".utf8)), ("anonymous", nil)] as [(String, [UInt8]?)] {
            let intruder = try cluster.node(name) { $0.sharedSecret = wrong }
            do {
                let id = try await intruder.actorID(named: "echo", at: server.endpoint)
                _ = try await EchoActor.resolve(id: id, using: intruder).greet("let me in")
                Issue.record("\(name) got through")
            } catch let error as ActorSystemError {
                guard case .connectionFailed(_, let reason) = error else {
                    Issue.record("\(name): unexpected \(error)")
                    continue
                }
                #expect(reason.contains("authentication") || reason.contains("secret"), "\(name): \(reason)")
            }
        }
        #expect(!cluster.logs.records(containing: "authentication").isEmpty)
        withExtendedLifetime(actor) {}
        await cluster.shutdown()
    }

    @Test(arguments: TransportKind.allCases)
    func clusterNameMismatchIsRejectedWithAReason(_ kind: TransportKind) async throws {
        let cluster = TestCluster(kind)
        let (server, actor) = try cluster.echoNode("server") { $0.clusterName = "prod" }
        let client = try cluster.node("client") { $0.clusterName = "staging" }
        await #expect(throws: ActorSystemError.self) { _ = try await client.actorID(named: "echo", at: server.endpoint) }
        #expect(!cluster.logs.records(containing: "does not match").isEmpty)
        withExtendedLifetime(actor) {}
        await cluster.shutdown()
    }

    @Test(arguments: TransportKind.allCases)
    func oversizeCallsFailAtTheCallerAndTheConnectionSurvives(_ kind: TransportKind) async throws {
        let cluster = TestCluster(kind)
        let (server, actor) = try cluster.echoNode("server")
        let client = try cluster.node("client") { $0.maxFrameSize = 64 * 1024 }
        let echo = try await client.resolve($EchoService.self, named: "echo", at: server.endpoint)
        do {
            _ = try await echo.echo([UInt8](repeating: 1, count: 100_000))
            Issue.record("an oversize call was sent")
        } catch ActorSystemError.frameTooLarge(let size, let limit) {
            #expect(size > 100_000)
            #expect(limit == 64 * 1024)
        }
        #expect(try await echo.echo([1]) == [1])
        withExtendedLifetime(actor) {}
        await cluster.shutdown()
    }

    @Test(arguments: TransportKind.allCases)
    func aPeerSendingOversizeFramesIsDisconnectedWithALoggedReason(_ kind: TransportKind) async throws {
        let cluster = TestCluster(kind)
        // The server accepts at most 4 KiB; the client believes 16 MiB is fine.
        let (server, actor) = try cluster.echoNode("server") { $0.maxFrameSize = 4096 }
        let client = try cluster.node("client")
        let echo = try await client.resolve($EchoService.self, named: "echo", at: server.endpoint)
        await #expect(throws: ActorSystemError.self) { _ = try await echo.echo([UInt8](repeating: 2, count: 10_000)) }
        #expect(!cluster.logs.records(containing: "exceeds the limit of 4096 bytes").isEmpty)
        // The node keeps serving: a new connection works.
        #expect(try await eventually { try await echo.greet("again") } == "hello, again")
        withExtendedLifetime(actor) {}
        await cluster.shutdown()
    }
}

@Suite("In-memory fault injection")
struct FaultInjectionTests {
    @Test func delaysKeepPerPairOrderAndDropsBecomeTimeouts() async throws {
        let cluster = TestCluster(.memory)
        let (server, actor) = try cluster.echoNode("server")
        let client = try cluster.node("client")
        let echo = try await client.resolve($EchoService.self, named: "echo", at: server.endpoint)
        cluster.network.setFaults(FaultPlan(delay: .microseconds(10) ... .milliseconds(2)))
        var calls: [Task<Int, Error>] = []
        for sequence in 0..<300 {
            calls.append(Task(executorPreference: client.loop) { try await echo.record(sender: 7, sequence: sequence) })
        }
        for call in calls { _ = try await call.value }
        #expect(try await echo.records().map(\.sequence) == Array(0..<300))

        cluster.network.setFaults(FaultPlan(dropProbability: 1))
        do {
            _ = try await KeelActorSystem.withCallTimeout(.milliseconds(100)) { try await echo.greet("lost") }
            Issue.record("a dropped call returned")
        } catch ActorSystemError.timeout {}
        cluster.network.setFaults(FaultPlan())
        #expect(try await echo.greet("found") == "hello, found")
        withExtendedLifetime(actor) {}
        await cluster.shutdown()
    }

    @Test func newConnectionsAcrossAPartitionFail() async throws {
        let cluster = TestCluster(.memory)
        let (server, actor) = try cluster.echoNode("server")
        let client = try cluster.node("client")
        cluster.network.partition([server.endpoint])
        do {
            _ = try await client.actorID(named: "echo", at: server.endpoint)
            Issue.record("connected across a partition")
        } catch ActorSystemError.connectionFailed(_, let reason) {
            #expect(reason.contains("partitioned"))
        }
        cluster.network.heal()
        let echo = try await eventually { try await client.resolve($EchoService.self, named: "echo", at: server.endpoint) }
        #expect(try await echo.greet("x") == "hello, x")
        withExtendedLifetime(actor) {}
        await cluster.shutdown()
    }
}
