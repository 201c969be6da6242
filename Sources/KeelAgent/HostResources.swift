import Foundation
import Glibc
import KeelCore

/// What an agent found on its host before applying reserves and overrides.
public struct HostFacts: Sendable, Equatable {
    /// Online logical CPUs.
    public var cpus: Int
    /// Physical memory, MB.
    public var memoryMB: Int64
    /// Size of the file system holding the work directory, MB.
    public var diskMB: Int64
    /// NVIDIA GPUs visible to this host.
    public var gpus: Int

    /// Creates host facts.
    public init(cpus: Int, memoryMB: Int64, diskMB: Int64, gpus: Int) {
        self.cpus = cpus
        self.memoryMB = memoryMB
        self.diskMB = diskMB
        self.gpus = gpus
    }
}

/// Turns host facts into the resources an agent advertises, the way Mesos agents do: all CPUs; memory
/// minus 1 GB (half of it below 2 GB) for the agent and the OS; disk minus 5 GB (half of it below
/// 10 GB); ports 31000–32000; every GPU. Configured resources replace detected ones of the same name.
public enum HostResources {
    /// The default port range offered to tasks.
    public static let defaultPorts: ClosedRange<UInt64> = 31000...32000

    /// Reads CPUs, memory and the work directory's disk size from the kernel (fast, non-blocking
    /// reads of `/proc` and `statvfs`); GPUs are counted from `/dev/nvidia<N>` device nodes.
    public static func detect(workDirectory: String) -> HostFacts {
        let cpus = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        let memory = (try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8)).flatMap(memoryMB(fromMeminfo:)) ?? 0
        var stats = statvfs()
        let disk: Int64 = statvfs(workDirectory, &stats) == 0
            ? Int64(stats.f_blocks) * Int64(stats.f_frsize) / (1024 * 1024) : 0
        let devices = (try? FileManager.default.contentsOfDirectory(atPath: "/dev")) ?? []
        return HostFacts(cpus: cpus, memoryMB: memory, diskMB: disk, gpus: gpuCount(fromDeviceNames: devices))
    }

    /// `MemTotal` from `/proc/meminfo` text, in MB; nil when absent or malformed.
    public static func memoryMB(fromMeminfo text: String) -> Int64? {
        for line in text.split(separator: "\n") where line.hasPrefix("MemTotal:") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 2, let kilobytes = Int64(fields[1]), kilobytes >= 0 else { return nil }
            let unit = fields.count >= 3 ? fields[2].lowercased() : "kb"
            guard unit == "kb" else { return nil }
            return kilobytes / 1024
        }
        return nil
    }

    /// Number of `nvidiaN` device nodes (not `nvidiactl`, `nvidia-uvm`, …).
    public static func gpuCount(fromDeviceNames names: [String]) -> Int {
        names.filter { name in
            guard name.hasPrefix("nvidia") else { return false }
            let suffix = name.dropFirst("nvidia".count)
            return !suffix.isEmpty && suffix.allSatisfy(\.isNumber)
        }.count
    }

    /// The advertised resources for `facts`, with `configured` resources replacing detected kinds
    /// of the same name (e.g. `cpus:2;mem:1024` from the agent's config).
    public static func advertised(facts: HostFacts, configured: Resources = Resources(), ports: ClosedRange<UInt64> = defaultPorts) -> Resources {
        let memory = facts.memoryMB >= 2048 ? facts.memoryMB - 1024 : facts.memoryMB / 2
        let disk = facts.diskMB >= 10 * 1024 ? facts.diskMB - 5 * 1024 : facts.diskMB / 2
        var detected: [Resource] = [
            .scalar("cpus", Quantity(facts.cpus)),
            .scalar("mem", Quantity(Int(max(0, memory)))),
            .scalar("disk", Quantity(Int(max(0, disk)))),
            Resource(name: "ports", value: .ranges(ValueRanges(normalizing: [ports]))),
        ]
        if facts.gpus > 0 { detected.append(.scalar("gpus", Quantity(facts.gpus))) }
        let overridden = Set(configured.map(\.name))
        return Resources(detected.filter { !overridden.contains($0.name) }) + configured
    }
}
