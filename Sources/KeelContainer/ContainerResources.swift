/// The resources a task was given, as an isolating containerizer enforces them (the POSIX containerizer ignores
/// them). Every field defaults to `nil`: unlimited.
public struct ContainerResources: Sendable, Hashable, Codable {
    /// CPUs (fractional): the CPU share (cgroup v1 `cpu.shares` = 1024 × cpus, v2 `cpu.weight`) and, with a hard
    /// quota, the CFS quota (cpus × period).
    public var cpus: Double?
    /// The memory limit in bytes, swap included (the task gets no swap). Exceeding it is an OOM kill.
    public var memoryBytes: UInt64?
    /// Number of whole GPUs: the task may open that many `/dev/nvidia<N>` devices and no others.
    public var gpus: Int?
    /// The most processes and threads at once (`pids.max`); `nil` takes the containerizer's default.
    public var pids: Int?

    /// Resources; every one defaults to `nil`.
    public init(cpus: Double? = nil, memoryBytes: UInt64? = nil, gpus: Int? = nil, pids: Int? = nil) {
        self.cpus = cpus
        self.memoryBytes = memoryBytes
        self.gpus = gpus
        self.pids = pids
    }
}

/// Per-task overrides of the Linux containerizer's configuration; every field defaults to `nil` (take the
/// containerizer's setting).
public struct LinuxContainerOptions: Sendable, Hashable, Codable {
    /// The capabilities the task keeps, by name (`CAP_CHOWN` or `chown`); `[]` keeps none.
    public var capabilities: [String]?
    /// Whether the task gets its own network namespace holding only loopback (no network).
    public var isolatedNetwork: Bool?
    /// The task's host name (inside its UTS namespace).
    public var hostname: String?
    /// The numeric user the task runs as.
    public var user: UInt32?
    /// The numeric group the task runs as.
    public var group: UInt32?

    /// Overrides; every one defaults to `nil`.
    public init(capabilities: [String]? = nil, isolatedNetwork: Bool? = nil, hostname: String? = nil,
                user: UInt32? = nil, group: UInt32? = nil) {
        self.capabilities = capabilities
        self.isolatedNetwork = isolatedNetwork
        self.hostname = hostname
        self.user = user
        self.group = group
    }
}
