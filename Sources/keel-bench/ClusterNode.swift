import Foundation
import Glibc
import KeelActors
import KeelAgent
import KeelConfig
import KeelLog
import KeelMaster
import KeelProtocol

/// `keel-bench node master|agent --config FILE`: a master or an agent in a process of its own, for the launch
/// benchmark. It is set up exactly as `keel master` / `keel agent` set theirs up from the same config file (KeelConfig),
/// prints `READY <port>` on stdout once it serves (an agent: once the master admitted it), and runs until its standard
/// input closes — so it never outlives the benchmark that started it, whatever way that one ends.
enum ClusterNode {
    static func run(arguments: [String]) async throws {
        guard arguments.count == 3, arguments[1] == "--config" else {
            throw BenchError("usage: keel-bench node master|agent --config FILE")
        }
        let path = arguments[2]
        switch arguments[0] {
        case "master":
            let file = try MasterFileConfiguration(contentsOf: path)
            let system = try KeelActorSystem(file.actorSystemConfiguration())
            registerWireTypes(on: system)
            let configuration = file.masterConfiguration()
            let master = try system.makeActor(named: "master") {
                MasterActor(actorSystem: system, configuration: configuration,
                            logger: Logger(label: "keel.master", level: file.logLevel))
            }
            await master.whenLocal { $0.startTimers() }
            ready(port: system.endpoint.port)
            await standardInputClosed()
            await master.whenLocal { $0.stopTimers() }
            await system.shutdown()
        case "agent":
            let file = try AgentFileConfiguration(contentsOf: path)
            try FileManager.default.createDirectory(atPath: file.workDirectory, withIntermediateDirectories: true)
            let system = try KeelActorSystem(file.actorSystemConfiguration())
            registerWireTypes(on: system)
            let agent = AgentActor(actorSystem: system, configuration: file.agentConfiguration(),
                                   logger: Logger(label: "keel.agent", level: file.logLevel))
            await agent.start()
            _ = await agent.waitUntilRegistered()
            ready(port: system.endpoint.port)
            await standardInputClosed()
            await agent.shutdown()
            await system.shutdown()
        default:
            throw BenchError("keel-bench node: expected master or agent, got \(arguments[0])")
        }
    }

    private static func ready(port: Int) {
        FileHandle.standardOutput.write(Data("READY \(port)\n".utf8))
    }

    /// Returns once standard input reaches end of file; the blocking read runs on a thread of its own.
    private static func standardInputClosed() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            Thread {
                var byte: UInt8 = 0
                while read(0, &byte, 1) > 0 {}
                continuation.resume()
            }.start()
        }
    }
}
