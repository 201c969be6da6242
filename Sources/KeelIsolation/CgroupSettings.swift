import KeelContainer

/// One write to a cgroup control file.
public struct CgroupWrite: Sendable, Hashable, CustomStringConvertible {
    /// The controller whose directory holds the file (`cpu`, `memory`, …; on v2 all share one directory).
    public var controller: String
    /// The file name (`memory.limit_in_bytes`).
    public var file: String
    /// What is written.
    public var value: String
    /// Whether a missing file is fine (e.g. `memory.memsw.*` without swap accounting), and so is a failed write.
    public var optional: Bool
    /// Whether the kernel may refuse the value with `EBUSY` without that being an error: the setting then stays as
    /// it was (v1 refuses a memory limit below what it can reclaim down to, instead of OOM-killing).
    public var refusable: Bool

    /// A write.
    public init(_ controller: String, _ file: String, _ value: String, optional: Bool = false, refusable: Bool = false) {
        self.controller = controller
        self.file = file
        self.value = value
        self.optional = optional
        self.refusable = refusable
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

    /// The writes that move a running container whose hard memory limit is `memoryLimit` (`nil`: none) to what a
    /// launch with `resources` would have set, in order; a `nil` field means unlimited, as at launch (CPU back to the
    /// default weight and no quota, pids to `defaultPidsLimit`). CPU and pids are rewritten either way. Memory
    /// never kills on the way down:
    /// - raised (or lifted): the hard limit moves up — on v1 memory+swap first, so it never sits below the memory
    ///   limit — and v1's soft limit and v2's `memory.high` follow it;
    /// - lowered (including a first limit on an unlimited container): v1 writes the lower `memory.limit_in_bytes` as
    ///   ``CgroupWrite/refusable`` (the kernel reclaims down to it or refuses with `EBUSY`; it never OOM-kills for
    ///   it), then memory+swap (failing harmlessly while the old limit stays), and the soft limit, which the kernel
    ///   reclaims towards under pressure; v2 sets `memory.high` (reclaim and throttling above it, no OOM kill) and
    ///   leaves `memory.max` where it was.
    /// With a memory limit, the launch's swap settings are written too (no swap; v2 kills the whole group on OOM).
    public static func updateWrites(version: CgroupHierarchy.Version, resources: ContainerResources, memoryLimit: UInt64?,
                                    hardCPUQuota: Bool, cfsPeriod: Int, defaultPidsLimit: Int?) -> [CgroupWrite] {
        var writes: [CgroupWrite] = []
        let pids = (resources.pids ?? defaultPidsLimit).map(String.init) ?? "max"
        let memory = resources.memoryBytes
        let raise: Bool
        switch (memory, memoryLimit) {
        case (nil, _): raise = true
        case (let wanted?, let current?): raise = wanted >= current
        case (_?, nil): raise = false  // from unlimited to a limit
        }
        switch version {
        case .v1:
            writes.append(CgroupWrite("cpu", "cpu.shares", String(resources.cpus.map { shares(cpus: $0) } ?? 1024)))
            if hardCPUQuota {
                writes.append(CgroupWrite("cpu", "cpu.cfs_period_us", String(cfsPeriod)))
                writes.append(CgroupWrite("cpu", "cpu.cfs_quota_us", String(resources.cpus.map { quota(cpus: $0, period: cfsPeriod) } ?? -1)))
            }
            let value = memory.map(String.init) ?? "-1"
            if raise {
                writes.append(CgroupWrite("memory", "memory.memsw.limit_in_bytes", value, optional: true))
                writes.append(CgroupWrite("memory", "memory.limit_in_bytes", value))
            } else {
                writes.append(CgroupWrite("memory", "memory.limit_in_bytes", value, refusable: true))
                writes.append(CgroupWrite("memory", "memory.memsw.limit_in_bytes", value, optional: true))
            }
            writes.append(CgroupWrite("memory", "memory.soft_limit_in_bytes", value, optional: true))
            if memory != nil { writes.append(CgroupWrite("memory", "memory.swappiness", "0", optional: true)) }
        case .v2:
            writes.append(CgroupWrite("cpu", "cpu.weight", String(resources.cpus.map { weight(shares: shares(cpus: $0)) } ?? 100)))
            if hardCPUQuota {
                writes.append(CgroupWrite("cpu", "cpu.max", "\(resources.cpus.map { String(quota(cpus: $0, period: cfsPeriod)) } ?? "max") \(cfsPeriod)"))
            }
            let value = memory.map(String.init) ?? "max"
            if raise {
                writes.append(CgroupWrite("memory", "memory.max", value))
                writes.append(CgroupWrite("memory", "memory.high", "max", optional: true))
            } else {
                writes.append(CgroupWrite("memory", "memory.high", value))
            }
            if memory != nil {
                writes.append(CgroupWrite("memory", "memory.swap.max", "0", optional: true))
                writes.append(CgroupWrite("memory", "memory.oom.group", "1", optional: true))
            }
        }
        writes.append(CgroupWrite("pids", "pids.max", pids))
        return writes
    }
}
