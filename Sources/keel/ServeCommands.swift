import Foundation
import KeelActors
import KeelAgent
import KeelConfig
import KeelCore
import KeelLog
import KeelMaster
import KeelProtocol

/// `keel master`, `keel agent` and `keel dev`: long-running nodes that stop cleanly on SIGINT or SIGTERM.
enum ServeCommands {
    static let masterHelp = """
        usage: keel master [--config FILE] [--host HOST] [--port PORT]

        Runs a Keel master until SIGINT or SIGTERM.
          --config FILE   master config (JSON; keys: \(MasterFileConfiguration.keys.joined(separator: ", ")))
          --host HOST     listen address (overrides the file; default 127.0.0.1)
          --port PORT     listen port (overrides the file; default 5050)
        """

    static let agentHelp = """
        usage: keel agent [--config FILE] [--master HOST:PORT] [--host HOST] [--port PORT]

        Runs a Keel agent until SIGINT or SIGTERM (its tasks are killed on the way out).
          --config FILE        agent config (JSON; keys: \(AgentFileConfiguration.keys.joined(separator: ", ")))
          --master HOST:PORT   the master (overrides the file; default 127.0.0.1:5050)
          --host HOST          listen address (overrides the file; default 127.0.0.1)
          --port PORT          listen port (overrides the file; default 0: any free port)
        """

    static let devHelp = """
        usage: keel dev [--port PORT] [--agents N]

        Runs a development cluster in one process until SIGINT or SIGTERM: a master on 127.0.0.1:PORT and N agents
        (cpus:2;mem:1024;disk:1024;ports:[31000-32000] each) talking over TCP.
          --port PORT    the master's port (default 5050; 0 picks a free one)
          --agents N     how many agents (default 2)
        """

    static func master(_ arguments: [String]) async throws {
        let flags = try Flags(arguments, known: ["config", "host", "port"])
        var file = MasterFileConfiguration()
        if let path = flags["config"] { file = try MasterFileConfiguration(contentsOf: path) }
        if let host = flags["host"] { file.host = host }
        if let port = try flags.integer("port", in: 0...65535) { file.port = port }
        let signals = TerminationSignals()
        let system = try KeelActorSystem(file.actorSystemConfiguration())
        registerWireTypes(on: system)
        let configuration = file.masterConfiguration()
        let master = try system.makeActor(named: "master") {
            MasterActor(actorSystem: system, configuration: configuration, logger: Logger(label: "keel.master", level: file.logLevel))
        }
        await master.whenLocal { $0.startTimers() }
        say("keel master listening on \(system.endpoint) (cluster \(file.clusterName), policy \(file.policy.rawValue))")
        let signal = await signals.next()
        say("keel master: signal \(signal), shutting down")
        await master.whenLocal { $0.stopTimers() }
        await system.shutdown()
        signals.cancel()
    }

    static func agent(_ arguments: [String]) async throws {
        let flags = try Flags(arguments, known: ["config", "master", "host", "port"])
        var file = AgentFileConfiguration()
        if let path = flags["config"] { file = try AgentFileConfiguration(contentsOf: path) }
        if let text = flags["master"] { file.master = try parseMaster(text) }
        if let host = flags["host"] { file.host = host }
        if let port = try flags.integer("port", in: 0...65535) { file.port = port }
        let containerizer = try file.makeContainerizer()
        let signals = TerminationSignals()
        try FileManager.default.createDirectory(atPath: file.workDirectory, withIntermediateDirectories: true)
        let system = try KeelActorSystem(file.actorSystemConfiguration())
        registerWireTypes(on: system)
        let agent = AgentActor(actorSystem: system, configuration: file.agentConfiguration(), containerizer: containerizer,
                               logger: Logger(label: "keel.agent", level: file.logLevel))
        await agent.start()
        say("keel agent listening on \(system.endpoint), registering with the master at \(file.master)")
        let signal = await signals.next()
        say("keel agent: signal \(signal), shutting down")
        await agent.shutdown()
        await system.shutdown()
        signals.cancel()
    }

    static func dev(_ arguments: [String]) async throws {
        let flags = try Flags(arguments, known: ["port", "agents"])
        let port = try flags.integer("port", in: 0...65535) ?? 5050
        let count = try flags.integer("agents", in: 1...64) ?? 2
        setenv("KEEL_LOG_LEVEL", "warning", 0)
        let signals = TerminationSignals()
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("keel-dev-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        var masterFile = MasterFileConfiguration()
        masterFile.port = port
        masterFile.logLevel = .warning
        var masterConfiguration = masterFile.masterConfiguration()
        masterConfiguration.allocationInterval = .milliseconds(100)
        let masterSystem = try KeelActorSystem(masterFile.actorSystemConfiguration())
        registerWireTypes(on: masterSystem)
        let master = try masterSystem.makeActor(named: "master") {
            MasterActor(actorSystem: masterSystem, configuration: masterConfiguration,
                        logger: Logger(label: "keel.master", level: .warning))
        }
        await master.whenLocal { $0.startTimers() }
        var agents: [(AgentActor, KeelActorSystem)] = []
        for index in 0..<count {
            var file = AgentFileConfiguration()
            file.master = masterSystem.endpoint
            file.workDirectory = "\(work)/agent\(index)"
            file.hostname = "agent\(index)"
            file.resources = try Resources.parse("cpus:2;mem:1024;disk:1024;ports:[31000-32000]")
            file.detectResources = false
            file.logLevel = .warning
            var systemConfiguration = file.actorSystemConfiguration()
            systemConfiguration.name = "agent\(index)"
            let system = try KeelActorSystem(systemConfiguration)
            registerWireTypes(on: system)
            let agent = AgentActor(actorSystem: system, configuration: file.agentConfiguration(),
                                   logger: Logger(label: "keel.agent", level: .warning))
            await agent.start()
            agents.append((agent, system))
        }
        for (agent, _) in agents { _ = await agent.waitUntilRegistered() }
        say("ready: master \(masterSystem.endpoint), \(count) agents at \(agents.map { "\($0.1.endpoint)" }.joined(separator: ", "))")
        let connect = port == 5050 ? "keel run -- echo hi" : "keel run --master \(masterSystem.endpoint) -- echo hi"
        say("connect with: \(connect)   (Ctrl-C stops the cluster)")
        let signal = await signals.next()
        say("keel dev: signal \(signal), shutting down")
        for (agent, _) in agents { await agent.shutdown() }
        await master.whenLocal { $0.stopTimers() }
        for (_, system) in agents { await system.shutdown() }
        await masterSystem.shutdown()
        try? FileManager.default.removeItem(atPath: work)
        signals.cancel()
    }

    /// `host:port` with a non-zero port.
    static func parseMaster(_ text: String, flag: String = "--master") throws(UsageError) -> Endpoint {
        guard let endpoint = Endpoint(parsing: text), endpoint.port != 0 else {
            throw UsageError(message: "\(flag): expected host:port, got \"\(text)\"")
        }
        return endpoint
    }
}
