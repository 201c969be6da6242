import Foundation
import KeelActors
import KeelTesting

/// `keel actors`: two actor nodes on loopback TCP, calls across them, a watch firing when one goes down.
func actorsDemo() async throws {
    var serverConfiguration = ActorSystemConfiguration(name: "node-a")
    serverConfiguration.heartbeatInterval = .milliseconds(200)
    serverConfiguration.heartbeatTimeout = .seconds(1)
    let server = try KeelActorSystem(serverConfiguration)
    EchoActor.registerWireTypes(on: server)
    let actor = try server.makeActor(named: "echo") { EchoActor(actorSystem: server) }
    print("node-a listening on \(server.endpoint) (incarnation \(String(server.incarnation, radix: 16))) with actor \"echo\"")

    let client = try KeelActorSystem(ActorSystemConfiguration(name: "node-b"))
    EchoActor.registerWireTypes(on: client)
    print("node-b listening on \(client.endpoint)")

    let echo = try await client.resolve($EchoService.self, named: "echo", at: server.endpoint)
    print("node-b resolved \(echo.id)")
    let started = ContinuousClock.now
    let greeting = try await echo.greet("node-b")
    print("call greet → \"\(greeting)\" in \(ContinuousClock.now - started)")
    do {
        try await echo.fail(registered: true, message: "a typed remote error")
    } catch let error as EchoError {
        print("call fail → threw EchoError(\"\(error.message)\") across the wire")
    }
    let count = 1_000
    let batch = ContinuousClock.now
    for index in 0..<count { _ = try await echo.record(sender: 1, sequence: index) }
    print("\(count) sequential calls in \(ContinuousClock.now - batch)")

    let watched = Task { await client.termination(of: echo.id) }
    print("shutting node-a down; node-b watches \"echo\"…")
    await server.shutdown()
    if let termination = await watched.value { print("node-b saw: \(termination)") }
    _ = actor.id
    await client.shutdown()
    print("done")
}
