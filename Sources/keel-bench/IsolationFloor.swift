import Foundation
import KeelContainer
import KeelIsolation
import KeelLog

/// The Linux isolation floor: what creating a container's cgroups, attaching a process, exec'ing `/bin/true`,
/// waiting and removing the cgroups costs with nothing else (no namespaces, sandbox or launcher), next to the
/// ``LinuxContainerizer``'s own launch + wait + destroy of `/bin/true`. Needs root and cgroups.
enum IsolationFloor {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Spawns per second of the floor: per run, `mkdir` a cgroup in every hierarchy the Linux containerizer uses,
    /// `posix_spawn` `/bin/true`, write its pid to each `cgroup.procs` (ignored if it already exited), `waitpid`,
    /// `rmdir`. Reusable by the full `keel-bench launch --isolation linux`.
    static func isolationFloorSpawnsPerSecond(count: Int) throws -> Double {
        guard let hierarchy = LinuxContainerizer.detectHierarchy() else { throw Failure(description: "no cgroups") }
        let parent = "keel/bench-floor-\(getpid())"
        let controllers = hierarchy.version == .v1 ? CgroupHierarchy.requiredV1 : ["cpu"]
        for directory in hierarchy.directories(parent, controllers: controllers) {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        defer { for directory in hierarchy.directories(parent, controllers: controllers) { rmdir(directory) } }
        var argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/true"), nil]
        defer { free(argv[0]) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        let start = ContinuousClock.now
        for index in 0..<count {
            let directories = hierarchy.directories("\(parent)/c\(index)", controllers: controllers)
            for directory in directories where mkdir(directory, 0o755) != 0 {
                throw Failure(description: "mkdir \(directory): errno \(errno)")
            }
            var pid: pid_t = 0
            let code = posix_spawn(&pid, "/bin/true", nil, &attributes, &argv, environ)
            guard code == 0 else { throw Failure(description: "posix_spawn: \(code)") }
            for directory in directories {
                let fd = open(directory + "/cgroup.procs", O_WRONLY)
                if fd >= 0 {
                    _ = "\(pid)".withCString { write(fd, $0, strlen($0)) }
                    close(fd)
                }
            }
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            for directory in directories {
                while rmdir(directory) != 0 && errno == EBUSY {}
            }
        }
        return Double(count) / seconds(ContinuousClock.now - start)
    }

    /// Mean wall time of each phase of a containerizer run, in milliseconds.
    struct Phases {
        var launch = 0.0
        var wait = 0.0
        var destroy = 0.0
        /// CPU seconds of the launch service and the containers it reaped (not in this process's rusage).
        var serviceCPU = 0.0
    }

    /// Launch + wait + destroy of `/bin/true` per second through the ``LinuxContainerizer`` (sandbox on
    /// `workDirectory`).
    static func containerizerSpawnsPerSecond(count: Int, workDirectory: String) async throws -> Double {
        try await containerizerRun(count: count, workDirectory: workDirectory).perSecond
    }

    /// ``containerizerSpawnsPerSecond(count:workDirectory:)`` with the mean time of each phase.
    static func containerizerRun(count: Int, workDirectory: String) async throws -> (perSecond: Double, phases: Phases) {
        let containerizer = try LinuxContainerizer(
            configuration: LinuxContainerizerConfiguration(workDirectory: workDirectory, rootName: "bench-\(getpid())"),
            logger: Logger(label: "bench", level: .warning))
        defer {
            for directory in containerizer.hierarchy.directories(
                containerizer.configuration.cgroupParent, controllers: CgroupHierarchy.requiredV1) { rmdir(directory) }
        }
        var phases = Phases()
        let start = ContinuousClock.now
        for index in 0..<count {
            let id = try ContainerID("true-\(index)")
            let begin = ContinuousClock.now
            _ = try await containerizer.launch(ContainerSpec(id: id, command: .argv(executable: "/bin/true", arguments: [])))
            let launched = ContinuousClock.now
            _ = try await containerizer.wait(id)
            let ended = ContinuousClock.now
            _ = try await containerizer.destroy(id, removeSandbox: true)
            phases.launch += seconds(launched - begin)
            phases.wait += seconds(ended - launched)
            phases.destroy += seconds(ContinuousClock.now - ended)
        }
        let perSecond = Double(count) / seconds(ContinuousClock.now - start)
        let scale = 1000 / Double(count)
        let serviceCPU = containerizer.launchServicePID.map(processTreeCPUSeconds) ?? 0
        return (perSecond, Phases(launch: phases.launch * scale, wait: phases.wait * scale, destroy: phases.destroy * scale,
                                  serviceCPU: serviceCPU))
    }

    /// utime + stime + cutime + cstime of `pid` (`/proc/<pid>/stat`): a process and the children it reaped.
    static func processTreeCPUSeconds(_ pid: pid_t) -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return 0 }
        // Fields after "(comm)": state is field 3, utime..cstime are fields 14–17.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 15 else { return 0 }
        let ticks = fields[11...14].compactMap { Double($0) }.reduce(0, +)
        return ticks / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// CPU seconds (user + system) of this process and its reaped children so far.
    static func cpuSeconds() -> Double {
        var total = 0.0
        for who in [RUSAGE_SELF.rawValue, RUSAGE_CHILDREN.rawValue] {
            var usage = rusage()
            getrusage(who, &usage)
            total += Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
                + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
        }
        return total
    }

    /// `keel-bench isolation [--quick] [--json]`.
    static func run(arguments: [String]) async throws {
        let count = arguments.contains("--quick") ? 100 : 500
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("keel-bench-isolation-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: work) }
        _ = try isolationFloorSpawnsPerSecond(count: 20)  // warm-up
        let cpu0 = cpuSeconds()
        let floor = try isolationFloorSpawnsPerSecond(count: count)
        let cpu1 = cpuSeconds()
        let (linux, phases) = try await containerizerRun(count: count, workDirectory: work)
        let cpu2 = cpuSeconds()
        let ratio = linux / floor
        // CPU per run (this process, its children, and the launch service with the containers it reaped; not kernel
        // threads): less sensitive to other load on the machine than the wall-clock rates.
        let floorCPU = (cpu1 - cpu0) * 1000 / Double(count)
        let linuxCPU = (cpu2 - cpu1 + phases.serviceCPU) * 1000 / Double(count)
        if arguments.contains("--json") {
            print(#"{"benchmark":"isolation","count":\#(count),"containerizerPerSecond":\#(linux),"floorPerSecond":\#(floor),"ratio":\#(ratio),"containerizerCPUms":\#(linuxCPU),"floorCPUms":\#(floorCPU),"launchMs":\#(phases.launch),"waitMs":\#(phases.wait),"destroyMs":\#(phases.destroy)}"#)
        } else {
            func format(_ value: Double, _ digits: Int = 0) -> String { String(format: "%.\(digits)f", value) }
            print("isolation: LinuxContainerizer launch+wait+destroy of /bin/true: \(format(linux))/s"
                  + " (launch \(format(phases.launch, 2)) ms, wait \(format(phases.wait, 2)) ms,"
                  + " destroy \(format(phases.destroy, 2)) ms; CPU \(format(linuxCPU, 2)) ms/run)")
            print("           floor (mkdir cgroups + spawn + attach + wait + rmdir): \(format(floor))/s"
                  + " (CPU \(format(floorCPU, 2)) ms/run)")
            print("           ratio \(format(ratio, 2)) (target >= 0.5), \(count) runs each")
        }
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

/// The same-run floor "create cgroups + attach + exec `/bin/true` + wait + remove", spawns per second.
func isolationFloorSpawnsPerSecond(count: Int) throws -> Double {
    try IsolationFloor.isolationFloorSpawnsPerSecond(count: count)
}
