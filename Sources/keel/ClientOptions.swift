import Foundation
import KeelActors
import KeelLog
import KeelProtocol

/// How a client command (`run`, `agents`, `frameworks`, `tasks`) reaches the master: `--master` / `KEEL_MASTER`,
/// `--cluster` / `KEEL_CLUSTER`, `--secret-file`, `--host`.
struct ClientOptions {
    /// The flags every client command accepts.
    static let flags = ["master", "cluster", "secret-file", "host"]

    /// Help lines for ``flags``.
    static let help = """
          --master HOST:PORT   the master (default: $KEEL_MASTER, else 127.0.0.1:5050)
          --cluster NAME       the cluster name the master expects (default: $KEEL_CLUSTER, else keel)
          --secret-file F      the cluster's shared secret, when the master requires one
          --host H             the address this client listens on and advertises, reachable from the
                               master (default 127.0.0.1; use this host's address for a remote master)
        """

    var master: Endpoint
    var configuration: ActorSystemConfiguration

    init(_ flags: Flags, name: String) throws(UsageError) {
        if let text = flags["master"] {
            master = try ServeCommands.parseMaster(text)
        } else if let text = ProcessInfo.processInfo.environment["KEEL_MASTER"], !text.isEmpty {
            master = try ServeCommands.parseMaster(text, flag: "KEEL_MASTER")
        } else {
            master = Endpoint(host: "127.0.0.1", port: 5050)
        }
        configuration = ActorSystemConfiguration(name: name, host: flags["host"] ?? "127.0.0.1", port: 0, transport: .tcp)
        configuration.logger = Logger(label: "keel.actors", level: .warning)
        configuration.callTimeout = .seconds(10)
        if let cluster = flags["cluster"] ?? ProcessInfo.processInfo.environment["KEEL_CLUSTER"], !cluster.isEmpty {
            configuration.clusterName = cluster
        }
        if let path = flags["secret-file"] {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw UsageError(message: "flag --secret-file: cannot read \(path)")
            }
            var secret = Array(data)
            while let last = secret.last, last == UInt8(ascii: "\n") || last == UInt8(ascii: "\r") { secret.removeLast() }
            guard !secret.isEmpty else { throw UsageError(message: "flag --secret-file: \(path) is empty") }
            configuration.sharedSecret = secret
        }
    }

    /// A started client node with the contract's wire types registered.
    func makeSystem() throws -> KeelActorSystem {
        let system = try KeelActorSystem(configuration)
        registerWireTypes(on: system)
        return system
    }

    /// The master's operator API, resolved through `system`.
    func operatorAPI(on system: KeelActorSystem) async throws -> $OperatorService {
        do {
            return try await system.resolve($OperatorService.self, named: "master", at: master)
        } catch {
            throw ClientError(message: "cannot reach the master at \(master): \(error) "
                              + "(is it running and reachable, and do --cluster / --secret-file match its configuration?)")
        }
    }
}

/// A client command failed to reach or use the master (exit status 1).
struct ClientError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
