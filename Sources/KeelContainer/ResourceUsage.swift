#if canImport(Glibc)
import Glibc
#endif

/// CPU time and memory of a container's processes.
///
/// Under the Linux containerizer every figure comes from the container's cgroups (all its processes, live or
/// exited): CPU from `cpuacct`/`cpu.stat`, ``residentBytes`` is the cgroup's memory usage, ``peakResidentBytes`` its
/// peak (also while running), ``processes`` its `pids.current`.
///
/// While the container runs, the POSIX containerizer sums `/proc/<pid>/stat` over every process in the container's
/// process group (including the CPU time of children those processes already waited for). After the main process
/// ended, it is the `wait4` rusage of the main process and the descendants it waited for.
public struct ResourceUsage: Sendable, Hashable, Codable {
    /// CPU seconds spent in user mode.
    public var userCPUSeconds: Double
    /// CPU seconds spent in the kernel on the processes' behalf.
    public var systemCPUSeconds: Double
    /// Resident memory now, in bytes, summed over the live processes; `0` once the container ended.
    public var residentBytes: UInt64
    /// Peak resident memory in bytes of the largest single process (`ru_maxrss`); `nil` while running.
    public var peakResidentBytes: UInt64?
    /// Number of live processes counted (`0` once the container ended).
    public var processes: Int
    /// When the figures were taken, in seconds since the Unix epoch.
    public var timestamp: Double
    /// Time the container's processes were throttled by a hard CPU quota, in seconds; `nil` when not measured
    /// (the POSIX containerizer).
    public var throttledCPUSeconds: Double?
    /// The container's memory limit in bytes; `nil` when none is enforced.
    public var memoryLimitBytes: UInt64?

    /// A usage sample.
    public init(
        userCPUSeconds: Double,
        systemCPUSeconds: Double,
        residentBytes: UInt64,
        peakResidentBytes: UInt64?,
        processes: Int,
        timestamp: Double,
        throttledCPUSeconds: Double? = nil,
        memoryLimitBytes: UInt64? = nil
    ) {
        self.throttledCPUSeconds = throttledCPUSeconds
        self.memoryLimitBytes = memoryLimitBytes
        self.userCPUSeconds = userCPUSeconds
        self.systemCPUSeconds = systemCPUSeconds
        self.residentBytes = residentBytes
        self.peakResidentBytes = peakResidentBytes
        self.processes = processes
        self.timestamp = timestamp
    }

    /// User plus system CPU seconds.
    public var totalCPUSeconds: Double { userCPUSeconds + systemCPUSeconds }

    /// Usage from a `wait4` rusage (`ru_maxrss` is in KiB on Linux).
    package init(rusage usage: rusage, timestamp: Double) {
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1_000_000 }
        self.init(
            userCPUSeconds: seconds(usage.ru_utime),
            systemCPUSeconds: seconds(usage.ru_stime),
            residentBytes: 0,
            peakResidentBytes: UInt64(max(0, usage.ru_maxrss)) * 1024,
            processes: 0,
            timestamp: timestamp
        )
    }

    /// Sums `/proc/<pid>/stat` over the processes whose process group is `group`.
    static func sample(processGroup group: pid_t) -> ResourceUsage {
        let ticks = Double(max(1, sysconf(Int32(_SC_CLK_TCK))))
        let page = UInt64(max(1, sysconf(Int32(_SC_PAGESIZE))))
        var userTicks: UInt64 = 0, systemTicks: UInt64 = 0, residentPages: UInt64 = 0, processes = 0
        for pid in ProcFiles.processIDs() {
            guard let stat = ProcFiles.Stat(pid: pid), stat.processGroup == group else { continue }
            userTicks += stat.userTicks + stat.childUserTicks
            systemTicks += stat.systemTicks + stat.childSystemTicks
            residentPages += stat.residentPages
            processes += 1
        }
        return ResourceUsage(
            userCPUSeconds: Double(userTicks) / ticks,
            systemCPUSeconds: Double(systemTicks) / ticks,
            residentBytes: residentPages * page,
            peakResidentBytes: nil,
            processes: processes,
            timestamp: Clock.unixNow()
        )
    }
}

/// Wall-clock time as Unix seconds.
package enum Clock {
    /// Seconds since the Unix epoch.
    package static func unixNow() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1_000_000_000
    }
}
