// keel: the Keel command-line tool.
//
// Today: `keel demo` runs a local cluster with a small workload, `keel actors` the actor-runtime
// demo. The deployment commands (`keel master`, `keel agent`, `keel dev`, `keel run`, …) come next.
import Foundation
import KeelActors
import KeelLog
import KeelTesting

let help = """
    keel — a datacenter kernel in Swift

    usage: keel <command> [options]

    commands:
      demo       run a local cluster (a master and 2 agents on loopback TCP) and a framework that
                 launches a small workload through offers, printing every task state transition
      actors     start two actor nodes on loopback TCP, call across them, watch one go down
      version    print the version
      help       show this text

    environment:
      KEEL_LOG_LEVEL   trace | debug | info | notice | warning | error | critical (default info)
    """

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

let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "demo", nil:
    do {
        try await ClusterDemo.run()
    } catch {
        FileHandle.standardError.write(Data("keel demo: \(error)\n".utf8))
        exit(1)
    }
case "actors":
    do {
        try await actorsDemo()
    } catch {
        FileHandle.standardError.write(Data("keel actors: \(error)\n".utf8))
        exit(1)
    }
case "version", "--version":
    print("keel 0.1.0 (wire protocol \(1))")
case "help", "-h", "--help":
    print(help)
default:
    FileHandle.standardError.write(Data("keel: unknown command \(arguments[0])\n\n\(help)\n".utf8))
    exit(2)
}
