import Foundation
import KeelActors
import KeelAllocator
import KeelLog
import KeelMaster

/// A master's configuration file (`keel master --config master.json`): a JSON object, every key optional.
///
/// ```json
/// { "host": "0.0.0.0", "port": 5050, "advertisedHost": "10.0.0.1", "clusterName": "prod",
///   "sharedSecretFile": "/etc/keel/secret", "allocationInterval": "1s", "agentPingTimeout": "75s",
///   "policy": "hierarchicalDRF", "logLevel": "info", "stateDirectory": "/var/lib/keel/master" }
/// ```
///
/// Durations are a number of seconds or a string with a unit (`ms`, `s`, `m`, `h`). Unknown keys are rejected.
public struct MasterFileConfiguration: Sendable, Equatable {
    /// Address to listen on (`host`). Default `127.0.0.1`.
    public var host = "127.0.0.1"
    /// Port to listen on (`port`). Default 5050.
    public var port = 5050
    /// The host agents and frameworks should use to reach the master (`advertisedHost`). Default: `host`.
    public var advertisedHost: String?
    /// Nodes only talk to nodes of the same cluster name (`clusterName`). Default `keel`.
    public var clusterName = "keel"
    /// The file holding the cluster's shared secret (`sharedSecretFile`). Default: none (no authentication).
    public var sharedSecretFile: String?
    /// The secret read from ``sharedSecretFile`` (trailing newlines removed).
    public var sharedSecret: [UInt8]?
    /// How often a full allocation cycle runs (`allocationInterval`). Default 1 s.
    public var allocationInterval: Duration = .seconds(1)
    /// An agent silent for this long becomes unreachable (`agentPingTimeout`). Default 75 s.
    public var agentPingTimeout: Duration = .seconds(75)
    /// The allocation policy (`policy`): `hierarchicalDRF`, `strictPriority` or `weightedRandom`. Default
    /// `hierarchicalDRF`.
    public var policy: AllocationPolicy = .hierarchicalDRF
    /// Log level (`logLevel`): trace, debug, info, notice, warning, error, critical. Default `info`.
    public var logLevel: LogLevel = .info
    /// Where the registrar keeps what survives a restart — admitted, unreachable and gone agents, weights, quotas
    /// (`stateDirectory`; a durable, checksummed log). Default: none, the state lives in memory and a restarted
    /// master forgets its agents (`keel master` warns).
    public var stateDirectory: String?
    /// After a restart, how long remembered agents have to re-register before they are marked unreachable
    /// (`agentReregistrationTimeout`). Default 10 min.
    public var agentReregistrationTimeout: Duration = .seconds(600)
    /// How long an agent may stay unreachable before it is marked gone (`unreachableAgentMaxAge`). Default 14 days.
    public var unreachableAgentMaxAge: Duration = .seconds(14 * 24 * 3600)

    /// The keys a master file may hold.
    public static let keys = ["host", "port", "advertisedHost", "clusterName", "sharedSecretFile", "allocationInterval",
                              "agentPingTimeout", "policy", "logLevel", "stateDirectory", "agentReregistrationTimeout",
                              "unreachableAgentMaxAge"]

    /// The defaults.
    public init() {}

    /// Parses a master file's contents; `file` names it in errors.
    public init(json data: Data, file: String = "<config>") throws(ConfigError) {
        let reader = try ConfigReader(data: data, file: file, known: Self.keys)
        if let host = try reader.string("host") { self.host = host }
        if let port = try reader.port("port") { self.port = port }
        advertisedHost = try reader.string("advertisedHost")
        if let name = try reader.string("clusterName") { clusterName = name }
        if let secret = try reader.secretFile("sharedSecretFile") {
            sharedSecretFile = secret.path
            sharedSecret = secret.secret
        }
        if let interval = try reader.duration("allocationInterval") { allocationInterval = interval }
        if let timeout = try reader.duration("agentPingTimeout") { agentPingTimeout = timeout }
        if let name = try reader.string("policy") {
            guard let policy = AllocationPolicy(rawValue: name) else {
                throw reader.fail("policy", "expected one of \(AllocationPolicy.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(name)\"")
            }
            self.policy = policy
        }
        if let level = try readLogLevel(reader) { logLevel = level }
        if let directory = try reader.string("stateDirectory") {
            guard directory.hasPrefix("/") else { throw reader.fail("stateDirectory", "expected an absolute path, got \"\(directory)\"") }
            stateDirectory = directory
        }
        if let timeout = try reader.duration("agentReregistrationTimeout") { agentReregistrationTimeout = timeout }
        if let age = try reader.duration("unreachableAgentMaxAge") { unreachableAgentMaxAge = age }
    }

    /// Reads and parses the file at `path`.
    public init(contentsOf path: String) throws(ConfigError) {
        try self.init(json: try ConfigReader.load(path: path), file: path)
    }

    /// The master node's actor-system settings (node name `master`).
    public func actorSystemConfiguration() -> ActorSystemConfiguration {
        ConfigReader.nodeConfiguration(name: "master", host: host, port: port, advertisedHost: advertisedHost,
                                       clusterName: clusterName, sharedSecret: sharedSecret, logLevel: logLevel)
    }

    /// The master's settings.
    public func masterConfiguration() -> MasterConfiguration {
        var configuration = MasterConfiguration()
        configuration.allocationInterval = allocationInterval
        configuration.agentPingTimeout = agentPingTimeout
        configuration.agentPingInterval = min(configuration.agentPingInterval, agentPingTimeout / 5)
        configuration.allocationPolicy = policy
        configuration.agentReregistrationTimeout = agentReregistrationTimeout
        configuration.unreachableAgentMaxAge = unreachableAgentMaxAge
        return configuration
    }
}

func readLogLevel(_ reader: ConfigReader) throws(ConfigError) -> LogLevel? {
    guard let name = try reader.string("logLevel") else { return nil }
    guard let level = LogLevel(name: name) else {
        throw reader.fail("logLevel", "expected one of trace, debug, info, notice, warning, error, critical, got \"\(name)\"")
    }
    return level
}
