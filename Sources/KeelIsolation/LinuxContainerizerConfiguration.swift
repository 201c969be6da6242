import KeelContainer

/// Settings of a ``LinuxContainerizer``. Every field but the work directory has a documented default.
public struct LinuxContainerizerConfiguration: Sendable, Hashable {
    /// How a container's host name (in its UTS namespace) is chosen.
    public enum HostnamePolicy: Sendable, Hashable {
        /// The container ID, cut to 64 bytes (the default).
        case containerID
        /// The same name for every container.
        case fixed(String)
    }

    /// Sandboxes, shell, search path and descriptor hygiene, shared with the POSIX containerizer.
    public var posix: PosixContainerizerConfiguration
    /// The top-level cgroup directory Keel owns in every hierarchy. Default: `keel`.
    public var cgroupRoot: String
    /// This containerizer's own directory under ``cgroupRoot``; containers live in `<cgroupRoot>/<rootName>/<id>`,
    /// and everything found there at start is an orphan of an earlier run and is killed and removed.
    /// Default: `agent-<hash of the work directory>`, stable across restarts and distinct per agent.
    public var rootName: String
    /// Capabilities tasks keep (every set: bounding, permitted, effective, inheritable, ambient), by name.
    /// Default: ``LinuxCapabilities/defaultSet``. A task's ``LinuxContainerOptions/capabilities`` overrides it.
    public var capabilities: [String]
    /// The numeric user tasks run as; `nil` (the default) keeps the agent's.
    public var user: UInt32?
    /// The numeric group tasks run as; `nil` (the default) keeps the agent's.
    public var group: UInt32?
    /// Whether `cpus` is also a hard CFS quota (`cpus` × the period per period), not only a share. Default: `false`
    /// (tasks may burst into idle CPU, like Mesos' default).
    public var hardCPUQuota: Bool
    /// The CFS period in microseconds. Default: 100 000 (100 ms).
    public var cfsPeriodMicroseconds: Int
    /// `pids.max` for tasks that do not set ``ContainerResources/pids``; `nil` for none. Default: 4096.
    public var defaultPidsLimit: Int?
    /// The host name policy. Default: ``HostnamePolicy/containerID``.
    public var hostnamePolicy: HostnamePolicy
    /// Whether tasks get a network namespace holding only loopback unless they ask otherwise. Default: `false`
    /// (the host's network).
    public var isolatedNetworkByDefault: Bool
    /// Whether tasks get `no_new_privs` (setuid binaries and file capabilities grant nothing). Default: `true`.
    public var noNewPrivileges: Bool
    /// The `keel-launcher` executable; `nil` (the default) looks next to the running executable.
    public var launcherPath: String?

    /// A configuration with the documented defaults.
    public init(
        workDirectory: String,
        cgroupRoot: String = "keel",
        rootName: String? = nil,
        capabilities: [String] = LinuxCapabilities.defaultSet,
        user: UInt32? = nil,
        group: UInt32? = nil,
        hardCPUQuota: Bool = false,
        cfsPeriodMicroseconds: Int = 100_000,
        defaultPidsLimit: Int? = 4096,
        hostnamePolicy: HostnamePolicy = .containerID,
        isolatedNetworkByDefault: Bool = false,
        noNewPrivileges: Bool = true,
        launcherPath: String? = nil
    ) {
        self.posix = PosixContainerizerConfiguration(workDirectory: workDirectory)
        self.cgroupRoot = cgroupRoot
        self.rootName = rootName ?? Self.defaultRootName(workDirectory: workDirectory)
        self.capabilities = capabilities
        self.user = user
        self.group = group
        self.hardCPUQuota = hardCPUQuota
        self.cfsPeriodMicroseconds = cfsPeriodMicroseconds
        self.defaultPidsLimit = defaultPidsLimit
        self.hostnamePolicy = hostnamePolicy
        self.isolatedNetworkByDefault = isolatedNetworkByDefault
        self.noNewPrivileges = noNewPrivileges
        self.launcherPath = launcherPath
    }

    /// `agent-` and the FNV-1a hash of `workDirectory` in hex.
    public static func defaultRootName(workDirectory: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in workDirectory.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return "agent-" + String(hash, radix: 16)
    }

    /// `<cgroupRoot>/<rootName>`.
    public var cgroupParent: String { cgroupRoot + "/" + rootName }
}
