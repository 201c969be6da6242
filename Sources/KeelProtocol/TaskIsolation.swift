import KeelCore

/// Per-task isolation options a framework may set on a command task (``TaskInfo/isolation``). Every field is
/// optional: `nil` keeps the agent's setting. They are enforced by agents with Linux isolation (attribute
/// `keel.isolation:linux`); an agent that cannot enforce a requested option fails the task (TASK_FAILED) rather
/// than run it less isolated than asked.
///
/// The master checks them (``LaunchValidator``): unknown capability names and malformed host names are refused with
/// TASK_ERROR and ``TaskError/Problem/invalidIsolation(_:)``.
public struct TaskIsolation: Sendable, Hashable, Codable {
    /// The task's network: `host` or `none` (the raw values).
    public enum Network: String, Sendable, Hashable, Codable {
        /// `host`: the host's network (no network namespace).
        case host
        /// `none`: a network namespace of its own holding only loopback (`lo`), so no network beyond the task.
        /// (Not spelled `.none` in Swift, where `network: .none` would read as `nil`.)
        case loopbackOnly = "none"
    }

    /// The Linux capabilities the task keeps (every set: bounding, permitted, effective, inheritable, ambient), by
    /// name: `CAP_NET_RAW`, `cap_net_raw` or `net_raw`. `[]` keeps none; `nil` keeps the agent's configured set.
    public var capabilities: [String]?
    /// The task's network; `nil` keeps the agent's default.
    public var network: Network?
    /// The task's host name (in its own UTS namespace): 1 to 64 characters among letters, digits, `-` and `.`,
    /// not starting with `-` or `.`. `nil` keeps the agent's policy (the container ID by default).
    public var hostname: String?

    /// Options; every one defaults to `nil` (the agent's setting).
    public init(capabilities: [String]? = nil, network: Network? = nil, hostname: String? = nil) {
        self.capabilities = capabilities
        self.network = network
        self.hostname = hostname
    }

    /// Why these options are invalid (a sentence fragment), or `nil` when they are valid.
    public var problem: String? {
        if let capabilities {
            let unknown = capabilities.filter { LinuxCapabilityNames.number($0) == nil }
            if !unknown.isEmpty {
                let names = unknown.map { "\"\($0)\"" }.joined(separator: ", ")
                return "unknown capabilit\(unknown.count == 1 ? "y" : "ies") \(names) (expected names like CAP_NET_RAW or net_raw)"
            }
        }
        if let hostname {
            let bytes = Array(hostname.utf8)
            if bytes.isEmpty || bytes.count > 64 {
                return "host name must have 1 to 64 characters, \"\(hostname)\" has \(bytes.count)"
            }
            let allowed = bytes.allSatisfy { byte in
                (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                    || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
            }
            if !allowed || bytes[0] == UInt8(ascii: "-") || bytes[0] == UInt8(ascii: ".") {
                return "host name \"\(hostname)\" must use only letters, digits, '-' and '.', and not start with '-' or '.'"
            }
        }
        return nil
    }

    /// Whether any option asks for more isolation than an agent without Linux isolation gives (capabilities,
    /// `network: none`, a host name).
    public var needsLinuxIsolation: Bool {
        capabilities != nil || network == .loopbackOnly || hostname != nil
    }
}
