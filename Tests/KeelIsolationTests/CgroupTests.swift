import Glibc
import KeelContainer
@testable import KeelIsolation
import KeelLaunch
import Testing

@Suite struct PolicyTests {
    static let hybrid = """
        24 1 0:22 / /sys/fs/cgroup ro,nosuid shared:9 - tmpfs tmpfs ro,mode=755
        25 24 0:23 / /sys/fs/cgroup/unified rw,nosuid shared:10 - cgroup2 cgroup2 rw
        26 24 0:24 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:11 - cgroup cgroup rw,cpu,cpuacct
        27 24 0:25 / /sys/fs/cgroup/memory rw,nosuid shared:12 - cgroup cgroup rw,memory
        28 24 0:26 / /sys/fs/cgroup/pids rw,nosuid shared:13 - cgroup cgroup rw,pids
        29 24 0:27 / /sys/fs/cgroup/freezer rw,nosuid shared:14 - cgroup cgroup rw,freezer
        30 24 0:28 / /sys/fs/cgroup/devices rw,nosuid shared:15 - cgroup cgroup rw,devices
        """

    @Test func detectsAHybridV1Hierarchy() throws {
        let hierarchy = try #require(CgroupHierarchy.detect(mountinfo: Self.hybrid) { _ in [] })
        #expect(hierarchy.version == .v1)
        #expect(hierarchy.controllers["cpuacct"] == "/sys/fs/cgroup/cpu,cpuacct")
        // cpu and cpuacct share one directory: created once.
        #expect(hierarchy.directories("keel/a/c", controllers: ["cpu", "cpuacct", "memory"])
            == ["/sys/fs/cgroup/cpu,cpuacct/keel/a/c", "/sys/fs/cgroup/memory/keel/a/c"])
    }

    @Test func detectsAUnifiedV2Hierarchy() throws {
        let text = "30 1 0:26 / /sys/fs/cgroup rw,nosuid shared:4 - cgroup2 cgroup2 rw,nsdelegate\n"
        let hierarchy = try #require(CgroupHierarchy.detect(mountinfo: text) { _ in ["cpuset", "cpu", "io", "memory", "pids"] })
        #expect(hierarchy.version == .v2)
        #expect(hierarchy.directories("keel/a/c", controllers: ["cpu"]) == ["/sys/fs/cgroup/keel/a/c"])
        #expect(CgroupHierarchy.detect(mountinfo: text) { _ in ["cpu"] } == nil)
        #expect(CgroupHierarchy.detect(mountinfo: "") { _ in [] } == nil)
    }

    @Test func cgroupWritesFollowTheResources() {
        let resources = ContainerResources(cpus: 0.5, memoryBytes: 64 << 20, pids: 32)
        let v1 = CgroupSettings.writes(version: .v1, resources: resources, hardCPUQuota: true, cfsPeriod: 100_000,
                                       defaultPidsLimit: 4096).map(\.description)
        #expect(v1 == ["cpu/cpu.shares=512", "cpu/cpu.cfs_period_us=100000", "cpu/cpu.cfs_quota_us=50000",
                       "memory/memory.limit_in_bytes=67108864", "memory/memory.memsw.limit_in_bytes=67108864",
                       "memory/memory.swappiness=0", "pids/pids.max=32"])
        let v2 = CgroupSettings.writes(version: .v2, resources: ContainerResources(cpus: 2), hardCPUQuota: false,
                                       cfsPeriod: 100_000, defaultPidsLimit: 4096).map(\.description)
        #expect(v2 == ["cpu/cpu.weight=79", "pids/pids.max=4096"])
        #expect(CgroupSettings.shares(cpus: 0.001) == 2)
        #expect(CgroupSettings.quota(cpus: 0.001, period: 100_000) == 1_000)
        #expect(CgroupSettings.weight(shares: 262_144) == 10_000)
    }

    @Test func parsesStatisticsAndOOMCounters() {
        let v1 = CgroupStatistics.usage(version: .v1, files: [
            "cpuacct.usage": "2000000000\n", "cpuacct.usage_user": "1200000000\n", "cpuacct.usage_sys": "400000000\n",
            "cpu.stat": "nr_periods 10\nnr_throttled 4\nthrottled_time 250000000\n",
            "memory.usage_in_bytes": "4096\n", "memory.max_usage_in_bytes": "8192\n",
            "memory.limit_in_bytes": "9223372036854771712\n", "pids.current": "3\n",
        ], timestamp: 1)
        #expect(v1.userCPUSeconds == 1.5 && v1.systemCPUSeconds == 0.5 && v1.throttledCPUSeconds == 0.25)
        #expect(v1.residentBytes == 4096 && v1.peakResidentBytes == 8192 && v1.processes == 3)
        #expect(v1.memoryLimitBytes == nil)
        let v2 = CgroupStatistics.usage(version: .v2, files: [
            "cpu.stat": "usage_usec 3000000\nuser_usec 2000000\nsystem_usec 1000000\nthrottled_usec 500000\n",
            "memory.current": "100\n", "memory.peak": "200\n", "memory.max": "max\n", "pids.current": "1\n",
        ], timestamp: 1)
        #expect(v2.userCPUSeconds == 2 && v2.systemCPUSeconds == 1 && v2.throttledCPUSeconds == 0.5)
        #expect(v2.memoryLimitBytes == nil && v2.peakResidentBytes == 200)
        #expect(CgroupStatistics.oomKills("oom_kill_disable 0\nunder_oom 0\noom_kill 2\n") == 2)
        #expect(CgroupStatistics.oomKills("low 0\nhigh 0\nmax 5\noom 1\noom_kill 1\n") == 1)
        #expect(CgroupStatistics.oomKills(nil) == 0)
    }

    @Test func capabilityNamesAndMasks() throws {
        #expect(try LinuxCapabilities.numbers(["CAP_NET_RAW", "chown", "cap_kill", "CAP_CHOWN"]) == [0, 5, 13])
        #expect(LinuxCapabilities.mask([0, 5, 13]) == "0000000000002021")
        #expect(throws: ContainerizerError.invalidSpec(reason: "unknown capability \"CAP_FLY\"")) {
            try LinuxCapabilities.numbers(["CAP_FLY"])
        }
        let defaults = try LinuxCapabilities.numbers(LinuxCapabilities.defaultSet)
        #expect(!defaults.contains(21) && !defaults.contains(13) && !defaults.contains(12))  // SYS_ADMIN, NET_RAW, NET_ADMIN
    }

    @Test func updatesRaiseMemoryWithoutEverLettingSwapSitBelowItAndLowerItOnlyWhereNothingIsKilled() {
        func writes(_ version: CgroupHierarchy.Version, _ resources: ContainerResources, from limit: UInt64?) -> [String] {
            CgroupSettings.updateWrites(version: version, resources: resources, memoryLimit: limit, hardCPUQuota: true,
                                        cfsPeriod: 100_000, defaultPidsLimit: 4096).map(\.description)
        }
        let bigger = ContainerResources(cpus: 1.5, memoryBytes: 128 << 20, pids: 64)
        #expect(writes(.v1, bigger, from: 64 << 20) == [
            "cpu/cpu.shares=1536", "cpu/cpu.cfs_period_us=100000", "cpu/cpu.cfs_quota_us=150000",
            "memory/memory.memsw.limit_in_bytes=134217728", "memory/memory.limit_in_bytes=134217728",
            "memory/memory.soft_limit_in_bytes=134217728", "memory/memory.swappiness=0", "pids/pids.max=64"])
        let smaller = ContainerResources(cpus: 0.5, memoryBytes: 32 << 20)
        let lowered = CgroupSettings.updateWrites(version: .v1, resources: smaller, memoryLimit: 64 << 20, hardCPUQuota: false,
                                                  cfsPeriod: 100_000, defaultPidsLimit: nil)
        #expect(lowered.map(\.description) == [
            "cpu/cpu.shares=512", "memory/memory.limit_in_bytes=33554432", "memory/memory.memsw.limit_in_bytes=33554432",
            "memory/memory.soft_limit_in_bytes=33554432", "memory/memory.swappiness=0", "pids/pids.max=max"])
        #expect(lowered[1].refusable && !lowered[1].optional)
        #expect(lowered.filter(\.refusable).count == 1)
        // Unlimited (nil) is what a launch without the resource leaves: default weight, no quota, no limit.
        #expect(writes(.v1, ContainerResources(), from: 64 << 20) == [
            "cpu/cpu.shares=1024", "cpu/cpu.cfs_period_us=100000", "cpu/cpu.cfs_quota_us=-1",
            "memory/memory.memsw.limit_in_bytes=-1", "memory/memory.limit_in_bytes=-1",
            "memory/memory.soft_limit_in_bytes=-1", "pids/pids.max=4096"])
        #expect(writes(.v2, bigger, from: 64 << 20) == [
            "cpu/cpu.weight=59", "cpu/cpu.max=150000 100000", "memory/memory.max=134217728", "memory/memory.high=max",
            "memory/memory.swap.max=0", "memory/memory.oom.group=1", "pids/pids.max=64"])
        // v2 would OOM-kill to meet a lower memory.max: the decrease goes to memory.high only.
        #expect(writes(.v2, smaller, from: 64 << 20) == [
            "cpu/cpu.weight=20", "cpu/cpu.max=50000 100000", "memory/memory.high=33554432", "memory/memory.swap.max=0",
            "memory/memory.oom.group=1", "pids/pids.max=4096"])
        // A first limit on an unlimited container is a decrease: it must not kill either.
        let first = CgroupSettings.updateWrites(version: .v1, resources: smaller, memoryLimit: nil, hardCPUQuota: false,
                                                cfsPeriod: 100_000, defaultPidsLimit: nil)
        #expect(first[1].description == "memory/memory.limit_in_bytes=33554432" && first[1].refusable)
        #expect(writes(.v2, smaller, from: nil).contains("memory/memory.high=33554432"))
        #expect(!writes(.v2, smaller, from: nil).contains { $0.hasPrefix("memory/memory.max=") })
        #expect(writes(.v2, ContainerResources(), from: nil) == [
            "cpu/cpu.weight=100", "cpu/cpu.max=max 100000", "memory/memory.max=max", "memory/memory.high=max",
            "pids/pids.max=4096"])
    }

    @Test func gpuRules() {
        #expect(GPUDevices.indices(devEntries: ["nvidia1", "nvidiactl", "nvidia0", "nvidia-uvm", "null"]) == [0, 1])
        #expect(GPUDevices.allocate(1, from: [0, 1], inUse: [0]) == [1])
        #expect(GPUDevices.allocate(2, from: [0, 1], inUse: [0]) == nil)
        #expect(GPUDevices.denyRules(all: [0, 1, 2], allowed: [1]) == ["c 195:0 rwm", "c 195:2 rwm"])
        // Resizing keeps what a container holds, takes the lowest free ones and gives back the highest first.
        #expect(GPUDevices.resize([2], to: 3, from: [0, 1, 2, 3], inUse: [1, 2]) == [0, 2, 3])
        #expect(GPUDevices.resize([0, 2, 3], to: 1, from: [0, 1, 2, 3], inUse: [0, 2, 3]) == [0])
        #expect(GPUDevices.resize([0], to: 0, from: [0, 1], inUse: [0]) == [])
        #expect(GPUDevices.resize([0], to: 3, from: [0, 1, 2], inUse: [0, 1]) == nil)
    }

    @Test func launchRequestsRoundTrip() throws {
        var request = LaunchRequest()
        request.cgroupProcs = ["/sys/fs/cgroup/memory/keel/a/c/cgroup.procs"]
        request.rlimits = [(7, 64)]
        request.namespaces = .init(pid: true, mount: true, uts: true, ipc: true, network: true)
        request.hostname = "h"
        request.sandbox = "/tmp/s"
        request.user = 1000
        request.group = 1000
        request.capabilities = []
        request.noNewPrivileges = true
        request.workingDirectory = "/tmp/s"
        request.program = "/bin/sh"
        request.arguments = ["sh", "-c", "--", "--ns"]
        #expect(try LaunchRequest(arguments: request.encoded()) == request)
        #expect(throws: LaunchRequestError.self) { try LaunchRequest(arguments: ["--ns", "time", "--", "/x", "x"]) }
        #expect(throws: LaunchRequestError.self) { try LaunchRequest(arguments: ["--cwd", "/"]) }
        let failure = LaunchFailure(call: "execve", errno: 2, detail: "/bin/x")
        #expect(LaunchFailure(decoding: failure.encoded) == failure)
        #expect(LaunchFailure(decoding: Array("garbage".utf8)) == nil)
    }

    @Test func launcherReportsBecomePreciseErrors() {
        func error(_ call: String, _ code: Int32, _ detail: String) -> ContainerizerError {
            LinuxContainerizer.error(from: LaunchFailure(call: call, errno: code, detail: detail).encoded,
                                     program: "/bin/x", searchPath: "/bin")
        }
        #expect(error("execve", ENOENT, "/bin/x") == .executableNotFound(name: "/bin/x", searchPath: "/bin"))
        guard case .systemCallFailed(let call, "lo up", EPERM, _) = error("ioctl", EPERM, "lo up") else {
            Issue.record("not a system call failure")
            return
        }
        #expect(call == "keel-launcher: ioctl")
    }
}
