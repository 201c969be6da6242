/// What `keel-launcher` does before it `exec`s a task, as the launcher's command line.
///
/// The containerizer encodes a request with ``encoded()``; the launcher (written in C, `Sources/keel-launcher/main.c`)
/// parses the same format, and ``init(arguments:)`` decodes it in Swift (tests, tools). Keep the two in step.
/// The task's environment is the launcher's own environment (passed to `posix_spawn`), and its stdout/stderr are the
/// launcher's. Descriptor 3 is the error pipe (``LaunchFailure``).
public struct LaunchRequest: Sendable, Hashable {
    /// Namespaces to enter (`unshare`).
    public struct Namespaces: Sendable, Hashable {
        /// A new pid namespace: the launcher forks a tiny init (pid 1) that forks the task (pid 2).
        public var pid: Bool
        /// A new mount namespace with private propagation, a fresh `/proc` and a private `/tmp`.
        public var mount: Bool
        /// A new UTS namespace (its own host name).
        public var uts: Bool
        /// A new IPC namespace.
        public var ipc: Bool
        /// A new network namespace holding only loopback.
        public var network: Bool

        /// Namespaces; every one defaults to `false`.
        public init(pid: Bool = false, mount: Bool = false, uts: Bool = false, ipc: Bool = false, network: Bool = false) {
            self.pid = pid
            self.mount = mount
            self.uts = uts
            self.ipc = ipc
            self.network = network
        }
    }

    /// cgroup control files the launcher writes `0` (itself) to, before anything else: `tasks` on cgroup v1 (the
    /// launcher is single-threaded there, and `tasks` avoids the kernel's global threadgroup lock), `cgroup.procs`
    /// on v2.
    public var cgroupProcs: [String] = []
    /// `(resource, value)` pairs for `setrlimit` (soft = hard = value).
    public var rlimits: [(resource: Int32, value: UInt64)] = []
    /// Namespaces to create.
    public var namespaces = Namespaces()
    /// The host name in the UTS namespace (only with `namespaces.uts`).
    public var hostname: String?
    /// The sandbox directory: kept visible at its path when a private `/tmp` is mounted over a parent of it.
    public var sandbox: String?
    /// The numeric user to switch to; `nil` keeps the launcher's.
    public var user: UInt32?
    /// The numeric group to switch to (also the only supplementary group); `nil` keeps the launcher's.
    public var group: UInt32?
    /// Capabilities (numbers) the task keeps in every set (bounding, permitted, effective, inheritable, ambient);
    /// `nil` leaves the sets alone.
    public var capabilities: [Int32]?
    /// Sets `no_new_privs` before `exec`.
    public var noNewPrivileges = false
    /// The directory the task starts in.
    public var workingDirectory = "/"
    /// The program to `exec` (a path).
    public var program = ""
    /// The task's argv, including argv[0].
    public var arguments: [String] = []

    /// An empty request.
    public init() {}

    /// Two requests are equal when every field is (rlimits compared pairwise).
    public static func == (lhs: LaunchRequest, rhs: LaunchRequest) -> Bool {
        lhs.cgroupProcs == rhs.cgroupProcs && lhs.rlimits.map(\.resource) == rhs.rlimits.map(\.resource)
            && lhs.rlimits.map(\.value) == rhs.rlimits.map(\.value) && lhs.namespaces == rhs.namespaces
            && lhs.hostname == rhs.hostname && lhs.sandbox == rhs.sandbox && lhs.user == rhs.user
            && lhs.group == rhs.group && lhs.capabilities == rhs.capabilities
            && lhs.noNewPrivileges == rhs.noNewPrivileges && lhs.workingDirectory == rhs.workingDirectory
            && lhs.program == rhs.program && lhs.arguments == rhs.arguments
    }

    /// Hashes the program and arguments (enough to spread requests).
    public func hash(into hasher: inout Hasher) {
        hasher.combine(program)
        hasher.combine(arguments)
    }

    /// The launcher's argv after argv[0]: options, then `--`, the program and the task's argv.
    public func encoded() -> [String] {
        var out: [String] = []
        for path in cgroupProcs { out += ["--cgroup", path] }
        for limit in rlimits { out += ["--rlimit", "\(limit.resource)=\(limit.value)"] }
        var spaces: [String] = []
        if namespaces.pid { spaces.append("pid") }
        if namespaces.mount { spaces.append("mount") }
        if namespaces.uts { spaces.append("uts") }
        if namespaces.ipc { spaces.append("ipc") }
        if namespaces.network { spaces.append("net") }
        if !spaces.isEmpty { out += ["--ns", spaces.joined(separator: ",")] }
        if let hostname { out += ["--hostname", hostname] }
        if let sandbox { out += ["--sandbox", sandbox] }
        if let user { out += ["--uid", String(user)] }
        if let group { out += ["--gid", String(group)] }
        if let capabilities { out += ["--caps", capabilities.map(String.init).joined(separator: ",")] }
        if noNewPrivileges { out.append("--no-new-privs") }
        out += ["--cwd", workingDirectory, "--", program]
        out += arguments
        return out
    }

    /// Decodes ``encoded()``; throws a message naming the offending option.
    public init(arguments: [String]) throws(LaunchRequestError) {
        var index = 0
        func value(_ option: String) throws(LaunchRequestError) -> String {
            index += 1
            guard index < arguments.count else { throw LaunchRequestError("\(option) needs a value") }
            return arguments[index]
        }
        func number<T: FixedWidthInteger>(_ text: String, _ option: String) throws(LaunchRequestError) -> T {
            guard let number = T(text) else { throw LaunchRequestError("\(option): \"\(text)\" is not a number") }
            return number
        }
        while index < arguments.count {
            let option = arguments[index]
            switch option {
            case "--cgroup": cgroupProcs.append(try value(option))
            case "--rlimit":
                let text = try value(option)
                let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2 else { throw LaunchRequestError("--rlimit: expected RESOURCE=VALUE, got \"\(text)\"") }
                rlimits.append((try number(parts[0], option), try number(parts[1], option)))
            case "--ns":
                for name in try value(option).split(separator: ",") {
                    switch name {
                    case "pid": namespaces.pid = true
                    case "mount": namespaces.mount = true
                    case "uts": namespaces.uts = true
                    case "ipc": namespaces.ipc = true
                    case "net": namespaces.network = true
                    default: throw LaunchRequestError("--ns: unknown namespace \"\(name)\"")
                    }
                }
            case "--hostname": hostname = try value(option)
            case "--sandbox": sandbox = try value(option)
            case "--uid": user = try number(try value(option), option)
            case "--gid": group = try number(try value(option), option)
            case "--caps":
                let text = try value(option)
                var caps: [Int32] = []
                for part in text.split(separator: ",") { caps.append(try number(String(part), option)) }
                capabilities = caps
            case "--no-new-privs": noNewPrivileges = true
            case "--cwd": workingDirectory = try value(option)
            case "--":
                guard index + 1 < arguments.count else { throw LaunchRequestError("no program after --") }
                program = arguments[index + 1]
                self.arguments = Array(arguments[(index + 2)...])
                guard !self.arguments.isEmpty else { throw LaunchRequestError("no argv[0] after the program") }
                return
            default: throw LaunchRequestError("unknown option \"\(option)\"")
            }
            index += 1
        }
        throw LaunchRequestError("missing -- and the program")
    }
}

/// A malformed launcher command line.
public struct LaunchRequestError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong.
    public var description: String

    /// An error saying `description`.
    public init(_ description: String) { self.description = description }
}
