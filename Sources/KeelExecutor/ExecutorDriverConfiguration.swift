import Foundation
import KeelActors
import KeelCore
import KeelLog
import KeelProtocol

/// Where an executor's agent is and who the executor is: normally read from the ``ExecutorEnvironment`` the agent
/// launched it with (``fromEnvironment(_:)``); set by hand in tests.
public struct ExecutorDriverConfiguration: Sendable {
    /// The agent's ``AgentService`` actor.
    public var agent: ActorID
    /// The executor's framework.
    public var frameworkID: FrameworkID
    /// The executor.
    public var executorID: ExecutorID
    /// The cluster name for the handshake. Default `keel`.
    public var clusterName: String = "keel"
    /// The cluster's shared secret, when it has one. Default none.
    public var sharedSecret: [UInt8]?
    /// The address the executor's node listens on. Default `127.0.0.1`.
    public var listenHost: String = "127.0.0.1"
    /// First delay before retrying a registration or a status update the agent did not receive; doubled per
    /// failure. Default 100 ms.
    public var retryInitial: Duration = .milliseconds(100)
    /// Longest delay between retries. Default 2 s.
    public var retryMax: Duration = .seconds(2)
    /// How long registration keeps retrying before ``ExecutorDriver/start()`` gives up. Default 30 s.
    public var registrationDeadline: Duration = .seconds(30)

    /// A configuration; the rest has the documented defaults.
    public init(agent: ActorID, frameworkID: FrameworkID, executorID: ExecutorID) {
        self.agent = agent
        self.frameworkID = frameworkID
        self.executorID = executorID
    }

    /// Reads the ``ExecutorEnvironment`` an agent sets.
    ///
    /// - Throws: ``ExecutorDriverError/badEnvironment(_:)`` naming the missing or malformed variable.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment)
        throws(ExecutorDriverError) -> ExecutorDriverConfiguration {
        func required(_ name: String) throws(ExecutorDriverError) -> String {
            guard let value = environment[name], !value.isEmpty else {
                throw .badEnvironment("\(name) is not set: is this program running as an executor launched by a Keel agent?")
            }
            return value
        }
        let text = try required(ExecutorEnvironment.agentActor)
        guard let agent = ActorID(parsing: text) else {
            throw .badEnvironment("\(ExecutorEnvironment.agentActor)=\"\(text)\" is not an actor ID (path@host:port#incarnation)")
        }
        var configuration = ExecutorDriverConfiguration(
            agent: agent, frameworkID: FrameworkID(try required(ExecutorEnvironment.frameworkID)),
            executorID: ExecutorID(try required(ExecutorEnvironment.executorID)))
        if let cluster = environment[ExecutorEnvironment.clusterName], !cluster.isEmpty { configuration.clusterName = cluster }
        if let host = environment[ExecutorEnvironment.listenHost], !host.isEmpty { configuration.listenHost = host }
        if let path = environment[ExecutorEnvironment.secretFile], !path.isEmpty {
            guard let data = FileManager.default.contents(atPath: path), !data.isEmpty else {
                throw .badEnvironment("\(ExecutorEnvironment.secretFile)=\(path) cannot be read or is empty")
            }
            configuration.sharedSecret = Array(data)
        }
        return configuration
    }

    /// A TCP node configured to reach the agent (cluster name, secret, listen address).
    public func makeActorSystem(logLevel: LogLevel = .warning) throws -> KeelActorSystem {
        var system = ActorSystemConfiguration(name: "executor-\(executorID)", host: listenHost, port: 0, transport: .tcp)
        system.clusterName = clusterName
        system.sharedSecret = sharedSecret
        system.logger = Logger(label: "keel.actors", level: logLevel)
        system.busyPoll = .zero
        let actorSystem = try KeelActorSystem(system)
        registerWireTypes(on: actorSystem)
        return actorSystem
    }
}

/// Errors of the executor driver itself (the agent's refusals arrive as ``AgentError``).
public enum ExecutorDriverError: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    /// The launch environment is incomplete or malformed.
    case badEnvironment(String)
    /// The agent could not be reached to register within the deadline.
    case registrationFailed(String)
    /// The driver has stopped.
    case stopped
    /// A call needs the registration to have completed.
    case notRegistered

    /// A sentence saying what went wrong.
    public var description: String {
        switch self {
        case .badEnvironment(let detail): "executor environment: \(detail)"
        case .registrationFailed(let detail): "executor could not register with its agent: \(detail)"
        case .stopped: "the executor driver has stopped"
        case .notRegistered: "the executor has not registered with its agent yet"
        }
    }
}
