import Foundation
import KeelActors
import KeelLog

/// A configuration file that could not be read: the message names the file and, where there is one, the key.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file (or `<config>` for text not read from a file).
    public var file: String
    /// The offending key, when the problem is one key's value or an unknown key.
    public var key: String?
    /// What is wrong.
    public var message: String

    /// An error about `file`, optionally about one `key`.
    public init(file: String, key: String? = nil, message: String) {
        self.file = file
        self.key = key
        self.message = message
    }

    /// `agent.json: key "port": expected an integer 0–65535, got 70000`.
    public var description: String {
        if let key { return "\(file): key \"\(key)\": \(message)" }
        return "\(file): \(message)"
    }
}

/// One JSON value, decoded strictly (a number is never a Bool, a fraction never an integer).
enum JSONValue: Decodable {
    case null, bool(Bool), integer(Int), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null } else if let value = try? container.decode(Bool.self) { self = .bool(value) } else if let value = try? container.decode(Int.self) { self = .integer(value) } else if let value = try? container.decode(Double.self) { self = .number(value) } else if let value = try? container.decode(String.self) { self = .string(value) } else if let value = try? container.decode([JSONValue].self) { self = .array(value) } else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    /// How the value is shown in messages.
    var shown: String {
        switch self {
        case .null: "null"
        case .bool(let value): "\(value)"
        case .integer(let value): "\(value)"
        case .number(let value): "\(value)"
        case .string(let value): "\"\(value)\""
        case .array: "an array"
        case .object: "an object"
        }
    }
}

/// Reads typed values out of a JSON object and rejects keys nobody asked for.
struct ConfigReader {
    let file: String
    let known: [String]
    private let object: [String: JSONValue]

    init(data: Data, file: String, known: [String]) throws(ConfigError) {
        self.file = file
        self.known = known
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: data)
        } catch {
            throw ConfigError(file: file, message: "not valid JSON")
        }
        guard case .object(let object) = value else {
            throw ConfigError(file: file, message: "expected a JSON object at the top level, got \(value.shown)")
        }
        for key in object.keys.sorted() where !known.contains(key) {
            throw ConfigError(file: file, key: key, message: "unknown key (known keys: \(known.joined(separator: ", ")))")
        }
        self.object = object
    }

    func fail(_ key: String, _ message: String) -> ConfigError { ConfigError(file: file, key: key, message: message) }

    private func value(_ key: String) -> JSONValue? {
        guard let value = object[key] else { return nil }
        if case .null = value { return nil }
        return value
    }

    func string(_ key: String, nonEmpty: Bool = true) throws(ConfigError) -> String? {
        guard let value = value(key) else { return nil }
        guard case .string(let text) = value else { throw fail(key, "expected a string, got \(value.shown)") }
        if nonEmpty && text.isEmpty { throw fail(key, "must not be empty") }
        return text
    }

    func bool(_ key: String) throws(ConfigError) -> Bool? {
        guard let value = value(key) else { return nil }
        guard case .bool(let flag) = value else { throw fail(key, "expected true or false, got \(value.shown)") }
        return flag
    }

    func port(_ key: String) throws(ConfigError) -> Int? {
        guard let value = value(key) else { return nil }
        guard case .integer(let port) = value, (0...65535).contains(port) else {
            throw fail(key, "expected an integer 0–65535, got \(value.shown)")
        }
        return port
    }

    /// A positive duration: a number of seconds, or a string with a unit (`"100ms"`, `"1.5s"`, `"2m"`, `"1h"`).
    func duration(_ key: String) throws(ConfigError) -> Duration? {
        guard let value = value(key) else { return nil }
        let seconds: Double?
        switch value {
        case .integer(let number): seconds = Double(number)
        case .number(let number): seconds = number
        case .string(let text): seconds = Self.seconds(text)
        default: seconds = nil
        }
        guard let seconds, seconds.isFinite, seconds > 0, seconds <= 365 * 24 * 3600 else {
            throw fail(key, "expected a positive duration such as 5, \"100ms\", \"1.5s\", \"2m\" or \"1h\", got \(value.shown)")
        }
        return .nanoseconds(Int64((seconds * 1e9).rounded()))
    }

    private static func seconds(_ text: String) -> Double? {
        for (suffix, scale) in [("ms", 0.001), ("s", 1.0), ("m", 60.0), ("h", 3600.0)] where text.hasSuffix(suffix) {
            let number = text.dropLast(suffix.count)
            guard !number.isEmpty, number.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }), let value = Double(number) else {
                return nil
            }
            return value * scale
        }
        return nil
    }

    /// The contents of the file named by `key`'s string value, without a trailing newline; must not be empty.
    func secretFile(_ key: String) throws(ConfigError) -> (path: String, secret: [UInt8])? {
        guard let path = try string(key) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else { throw fail(key, "cannot read \(path)") }
        var bytes = [UInt8](data)
        while let last = bytes.last, last == UInt8(ascii: "\n") || last == UInt8(ascii: "\r") { bytes.removeLast() }
        guard !bytes.isEmpty else { throw fail(key, "\(path) is empty") }
        return (path, bytes)
    }

    /// Reads the whole file at `path`.
    static func load(path: String) throws(ConfigError) -> Data {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(file: path, message: "cannot read the file")
        }
        return data
    }
}

extension ConfigReader {
    /// The actor-system settings every config-file node shares: TCP on `host:port`, advertised
    /// host, cluster name, shared secret and log level.
    static func nodeConfiguration(name: String, host: String, port: Int, advertisedHost: String?, clusterName: String,
                                  sharedSecret: [UInt8]?, logLevel: LogLevel) -> ActorSystemConfiguration {
        var configuration = ActorSystemConfiguration(name: name, host: host, port: port, transport: .tcp)
        configuration.advertisedHost = advertisedHost
        configuration.clusterName = clusterName
        configuration.sharedSecret = sharedSecret
        configuration.logger = Logger(label: "keel.actors", level: logLevel)
        return configuration
    }
}
