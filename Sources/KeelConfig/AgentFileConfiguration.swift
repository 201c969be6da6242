import Foundation
import KeelActors
import KeelAgent
import KeelContainer
import KeelCore
import KeelLog

/// An agent's configuration file (`keel agent --config agent.json`): a JSON object, every key optional.
///
/// ```json
/// { "master": "10.0.0.1:5050", "host": "0.0.0.0", "port": 5051, "advertisedHost": "10.0.0.2",
///   "workDirectory": "/var/lib/keel/agent", "resources": "cpus:4;mem:8192", "attributes": "rack:r1",
///   "killGracePeriod": "3s", "isolation": "posix" }
/// ```
public struct AgentFileConfiguration: Sendable, Equatable {
    /// The master's `host:port` (`master`). Default `127.0.0.1:5050`.
    public var master = Endpoint(host: "127.0.0.1", port: 5050)
    /// Address to listen on (`host`). Default `127.0.0.1`.
    public var host = "127.0.0.1"
    /// Port to listen on (`port`); 0 picks a free one. Default 0.
    public var port = 0
    /// The host the master should use to reach this agent (`advertisedHost`). Default: `host`.
    public var advertisedHost: String?
    /// Nodes only talk to nodes of the same cluster name (`clusterName`). Default `keel`.
    public var clusterName = "keel"
    /// The file holding the cluster's shared secret (`sharedSecretFile`). Default: none.
    public var sharedSecretFile: String?
    /// The secret read from ``sharedSecretFile`` (trailing newlines removed).
    public var sharedSecret: [UInt8]?
    /// Where task sandboxes live (`workDirectory`). Default `<temporary directory>/keel-agent`.
    public var workDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("keel-agent").path
    /// The host name advertised to frameworks (`hostname`). Default: the machine's host name.
    public var hostname: String?
    /// Configured resources in KeelCore's text format (`resources`, e.g. `cpus:2;mem:1024`). Default: none.
    public var resources = Resources()
    /// The text ``resources`` was parsed from. Default empty.
    public var resourcesText = ""
    /// Attributes in KeelCore's text format (`attributes`, e.g. `rack:r1;zone:a`). Default: none.
    public var attributes = Attributes()
    /// The text ``attributes`` was parsed from. Default empty.
    public var attributesText = ""
    /// Whether to detect the host's resources (`detectResources`); configured ones replace detected ones of the
    /// same name. Default `true`.
    public var detectResources = true
    /// Grace between SIGTERM and SIGKILL for tasks without a kill policy (`killGracePeriod`). Default 3 s.
    public var killGracePeriod: Duration = .seconds(3)
    /// Log level (`logLevel`). Default `info`.
    public var logLevel: LogLevel = .info
    /// How tasks are isolated (`isolation`): `posix` or `linux`. Default `posix`. Only ``supportedIsolations`` can
    /// run; ``makeContainerizer()`` refuses the others with a message naming the key.
    public var isolation: ContainerIsolation = .posix

    /// The keys an agent file may hold.
    public static let keys = ["master", "host", "port", "advertisedHost", "clusterName", "sharedSecretFile", "workDirectory",
                              "hostname", "resources", "attributes", "detectResources", "killGracePeriod", "logLevel", "isolation"]

    /// The isolations ``isolation`` may name.
    public static let knownIsolations: [ContainerIsolation] = [.posix, .linux]
    /// The isolations this build can run.
    public static let supportedIsolations: [ContainerIsolation] = [.posix]

    /// The defaults.
    public init() {}

    /// Parses an agent file's contents; `file` names it in errors.
    public init(json data: Data, file: String = "<config>") throws(ConfigError) {
        let reader = try ConfigReader(data: data, file: file, known: Self.keys)
        if let text = try reader.string("master") {
            guard let endpoint = Endpoint(parsing: text), endpoint.port != 0 else {
                throw reader.fail("master", "expected host:port with a port 1–65535, got \"\(text)\"")
            }
            master = endpoint
        }
        if let host = try reader.string("host") { self.host = host }
        if let port = try reader.port("port") { self.port = port }
        advertisedHost = try reader.string("advertisedHost")
        if let name = try reader.string("clusterName") { clusterName = name }
        if let secret = try reader.secretFile("sharedSecretFile") {
            sharedSecretFile = secret.path
            sharedSecret = secret.secret
        }
        if let directory = try reader.string("workDirectory") { workDirectory = directory }
        hostname = try reader.string("hostname")
        if let text = try reader.string("resources", nonEmpty: false) {
            do { resources = text.isEmpty ? Resources() : try Resources.parse(text) } catch {
                throw reader.fail("resources", "\(error)")
            }
            resourcesText = text
        }
        if let text = try reader.string("attributes", nonEmpty: false) {
            do { attributes = text.isEmpty ? Attributes() : try Attributes.parse(text) } catch {
                throw reader.fail("attributes", "\(error)")
            }
            attributesText = text
        }
        if let detect = try reader.bool("detectResources") { detectResources = detect }
        if let grace = try reader.duration("killGracePeriod") { killGracePeriod = grace }
        if let level = try readLogLevel(reader) { logLevel = level }
        if let name = try reader.string("isolation") {
            guard let kind = Self.knownIsolations.first(where: { $0.rawValue == name }) else {
                throw reader.fail("isolation", "expected one of \(Self.knownIsolations.map(\.rawValue).joined(separator: ", ")), got \"\(name)\"")
            }
            isolation = kind
        }
    }

    /// Reads and parses the file at `path`.
    public init(contentsOf path: String) throws(ConfigError) {
        try self.init(json: try ConfigReader.load(path: path), file: path)
    }

    /// The agent node's actor-system settings (node name `agent`).
    public func actorSystemConfiguration() -> ActorSystemConfiguration {
        ConfigReader.nodeConfiguration(name: "agent", host: host, port: port, advertisedHost: advertisedHost,
                                       clusterName: clusterName, sharedSecret: sharedSecret, logLevel: logLevel)
    }

    /// The agent's settings.
    public func agentConfiguration() -> AgentConfiguration {
        AgentConfiguration(master: master, workDirectory: workDirectory, hostname: hostname, resources: resources,
                           attributes: attributes, detectResources: detectResources, killGracePeriod: killGracePeriod)
    }

    /// The containerizer for ``isolation`` under ``workDirectory``.
    ///
    /// - Throws: ``ConfigError`` for the `isolation` key when this build cannot run that isolation.
    public func makeContainerizer() throws(ConfigError) -> any Containerizer {
        switch isolation {
        case .posix:
            return PosixContainerizer(configuration: PosixContainerizerConfiguration(workDirectory: workDirectory))
        default:
            throw ConfigError(file: "agent configuration", key: "isolation",
                              message: "\"\(isolation)\" isolation is not supported by this build (supported: "
                                  + "\(Self.supportedIsolations.map(\.rawValue).joined(separator: ", ")))")
        }
    }
}
