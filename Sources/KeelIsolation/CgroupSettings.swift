import KeelContainer

/// One write to a cgroup control file.
public struct CgroupWrite: Sendable, Hashable, CustomStringConvertible {
    /// The controller whose directory holds the file (`cpu`, `memory`, …; on v2 all share one directory).
    public var controller: String
    /// The file name (`memory.limit_in_bytes`).
    public var file: String
    /// What is written.
    public var value: String
    /// Whether a missing file is fine (e.g. `memory.memsw.*` without swap accounting).
    public var optional: Bool

    /// A write.
    public init(_ controller: String, _ file: String, _ value: String, optional: Bool = false) {
        self.controller = controller
        self.file = file
        self.value = value
        self.optional = optional
    }

    /// `memory/memory.limit_in_bytes=67108864`.
    public var description: String { "\(controller)/\(file)=\(value)" }
}

/// The control-file writes that enforce a container's resources — pure, so the policy is unit-tested everywhere.
public enum CgroupSettings {
    /// v1 `cpu.shares` for `cpus` (1024 per CPU, at least 2, Mesos' formula).
    public static func shares(cpus: Double) -> Int { max(2, Int((cpus * 1024).rounded())) }

    /// v2 `cpu.weight` (1–10000) equivalent to `shares` (the kernel's and systemd's mapping).
    public static func weight(shares: Int) -> Int { min(10_000, max(1, 1 + ((shares - 2) * 9_999) / 262_142)) }

    /// The CFS quota in microseconds per `period` for `cpus` (at least the kernel's 1 ms minimum).
    public static func quota(cpus: Double, period: Int) -> Int { max(1_000, Int((cpus * Double(period)).rounded())) }

    /// Every write for one container, in the order they must happen (the memory limit before the memory+swap one).
    public static func writes(version: CgroupHierarchy.Version, resources: ContainerResources, hardCPUQuota: Bool,
                              cfsPeriod: Int, defaultPidsLimit: Int?) -> [CgroupWrite] {
        var writes: [CgroupWrite] = []
        let pids = resources.pids ?? defaultPidsLimit
        switch version {
        case .v1:
            if let cpus = resources.cpus {
                writes.append(CgroupWrite("cpu", "cpu.shares", String(shares(cpus: cpus))))
                if hardCPUQuota {
                    writes.append(CgroupWrite("cpu", "cpu.cfs_period_us", String(cfsPeriod)))
                    writes.append(CgroupWrite("cpu", "cpu.cfs_quota_us", String(quota(cpus: cpus, period: cfsPeriod))))
                }
            }
            if let memory = resources.memoryBytes {
                writes.append(CgroupWrite("memory", "memory.limit_in_bytes", String(memory)))
                writes.append(CgroupWrite("memory", "memory.memsw.limit_in_bytes", String(memory), optional: true))
                writes.append(CgroupWrite("memory", "memory.swappiness", "0", optional: true))
            }
            if let pids { writes.append(CgroupWrite("pids", "pids.max", String(pids))) }
        case .v2:
            if let cpus = resources.cpus {
                writes.append(CgroupWrite("cpu", "cpu.weight", String(weight(shares: shares(cpus: cpus)))))
                if hardCPUQuota {
                    writes.append(CgroupWrite("cpu", "cpu.max", "\(quota(cpus: cpus, period: cfsPeriod)) \(cfsPeriod)"))
                }
            }
            if let memory = resources.memoryBytes {
                writes.append(CgroupWrite("memory", "memory.max", String(memory)))
                writes.append(CgroupWrite("memory", "memory.swap.max", "0", optional: true))
                writes.append(CgroupWrite("memory", "memory.oom.group", "1", optional: true))
            }
            if let pids { writes.append(CgroupWrite("pids", "pids.max", String(pids))) }
        }
        return writes
    }
}
