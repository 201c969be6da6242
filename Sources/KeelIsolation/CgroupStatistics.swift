import KeelContainer

/// Parsers for cgroup statistics files (pure: the caller reads the files).
public enum CgroupStatistics {
    /// `key value` lines (`cpu.stat`, `memory.events`, `memory.oom_control`, `pids.events`) as a dictionary.
    public static func keyValues(_ text: String) -> [String: UInt64] {
        var result: [String: UInt64] = [:]
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            if fields.count == 2, let value = UInt64(fields[1]) { result[String(fields[0])] = value }
        }
        return result
    }

    /// A single number (`memory.usage_in_bytes`, `pids.current`); `max` reads as `nil`.
    public static func number(_ text: String?) -> UInt64? {
        guard let text else { return nil }
        return UInt64(text.trimmingCharacters(in: " \n"))
    }

    /// How many times the OOM killer struck in the container: v1 `memory.oom_control`'s `oom_kill`, v2
    /// `memory.events`' `oom_kill`.
    public static func oomKills(_ text: String?) -> UInt64 { keyValues(text ?? "")["oom_kill"] ?? 0 }

    /// The files ``usage(version:files:timestamp:)`` reads, by controller.
    public static func files(_ version: CgroupHierarchy.Version) -> [(controller: String, file: String)] {
        switch version {
        case .v1:
            [("cpuacct", "cpuacct.usage"), ("cpuacct", "cpuacct.usage_user"), ("cpuacct", "cpuacct.usage_sys"),
             ("cpu", "cpu.stat"),
             ("memory", "memory.usage_in_bytes"), ("memory", "memory.max_usage_in_bytes"),
             ("memory", "memory.limit_in_bytes"), ("pids", "pids.current")]
        case .v2:
            [("cpu", "cpu.stat"), ("memory", "memory.current"), ("memory", "memory.peak"), ("memory", "memory.max"),
             ("pids", "pids.current")]
        }
    }

    /// A usage sample from the texts of ``files(_:)`` (keyed by file name; missing files are skipped).
    public static func usage(version: CgroupHierarchy.Version, files: [String: String], timestamp: Double)
        -> ResourceUsage {
        let cpu = keyValues(files["cpu.stat"] ?? "")
        let user, system, throttled: Double
        let memory, peak, limit: UInt64?
        switch version {
        case .v1:
            // usage_user/usage_sys are sampled at timer ticks; cpuacct.usage is exact: split it in their ratio.
            let tickUser = Double(number(files["cpuacct.usage_user"]) ?? 0)
            let tickSystem = Double(number(files["cpuacct.usage_sys"]) ?? 0)
            let total = number(files["cpuacct.usage"]).map { Double($0) } ?? (tickUser + tickSystem)
            let userShare = tickUser + tickSystem > 0 ? tickUser / (tickUser + tickSystem) : 1
            user = total * userShare / 1e9
            system = total * (1 - userShare) / 1e9
            throttled = Double(cpu["throttled_time"] ?? 0) / 1e9
            memory = number(files["memory.usage_in_bytes"])
            peak = number(files["memory.max_usage_in_bytes"])
            // v1 reports "no limit" as a page-rounded LONG_MAX.
            limit = number(files["memory.limit_in_bytes"]).flatMap { $0 >= UInt64(Int64.max) / 2 ? nil : $0 }
        case .v2:
            user = Double(cpu["user_usec"] ?? 0) / 1e6
            system = Double(cpu["system_usec"] ?? 0) / 1e6
            throttled = Double(cpu["throttled_usec"] ?? 0) / 1e6
            memory = number(files["memory.current"])
            peak = number(files["memory.peak"])
            limit = number(files["memory.max"])
        }
        return ResourceUsage(
            userCPUSeconds: user, systemCPUSeconds: system, residentBytes: memory ?? 0, peakResidentBytes: peak,
            processes: Int(number(files["pids.current"]) ?? 0), timestamp: timestamp, throttledCPUSeconds: throttled,
            memoryLimitBytes: limit)
    }
}

extension String {
    /// Drops leading and trailing characters in `set` (no Foundation needed).
    func trimmingCharacters(in set: String) -> String {
        let unwanted = Set(set)
        guard let start = firstIndex(where: { !unwanted.contains($0) }),
              let end = lastIndex(where: { !unwanted.contains($0) }) else { return "" }
        return String(self[start...end])
    }
}
