#if canImport(Glibc)
import Glibc
#endif
import CKeelLinux
import Foundation
import KeelContainer
import KeelLaunch

extension LinuxContainerizer {
    /// Creates the sandbox and the cgroups, has the launch service (`keel-launcher --serve`) start the container, and
    /// returns once the task `exec`ed — or throws what the launcher reported (nothing is left behind).
    public func launch(_ spec: ContainerSpec) async throws(ContainerizerError) -> ContainerHandle {
        let id = spec.id
        let resources = spec.resources ?? ContainerResources()
        let options = spec.linux ?? LinuxContainerOptions()
        let capabilities = try LinuxCapabilities.numbers(options.capabilities ?? configuration.capabilities)
        try spec.limits.validate()
        let gpus = try reserve(id, gpus: resources.gpus ?? 0)
        var plainSpec = spec
        plainSpec.limits = ResourceLimits()  // the launcher applies rlimits itself: no shell shim
        let plan: LaunchPlan
        do {
            plan = try LaunchPlan(spec: plainSpec, configuration: configuration.posix)
        } catch {
            _ = state.withLock { $0.slots.removeValue(forKey: id) }
            throw error
        }
        defer { plan.closeFiles() }
        let cgroups = cgroupPaths(id.value)
        do {
            try createCgroups(cgroups, resources: resources, gpus: gpus)
        } catch {
            await removeCgroups(cgroups)
            _ = state.withLock { $0.slots.removeValue(forKey: id) }
            LaunchPlan.removeSandbox(plan.sandbox)
            throw error
        }

        var request = LaunchRequest()
        request.cgroupProcs = cgroups.directories.map { $0 + "/" + Self.attachFile(hierarchy.version) }
        request.rlimits = spec.limits.entries.map { ($0.resource, $0.value / $0.unit * $0.unit) }
        let isolatedNetwork = options.isolatedNetwork ?? configuration.isolatedNetworkByDefault
        request.namespaces = .init(pid: true, mount: true, uts: true, ipc: true, network: isolatedNetwork)
        switch configuration.hostnamePolicy {
        case .containerID: request.hostname = options.hostname ?? String(id.value.utf8.prefix(64)) ?? "keel"
        case .fixed(let name): request.hostname = options.hostname ?? name
        }
        request.sandbox = plan.sandbox
        request.user = options.user ?? configuration.user
        request.group = options.group ?? configuration.group
        request.capabilities = capabilities
        request.noNewPrivileges = configuration.noNewPrivileges
        request.workingDirectory = plan.request.workingDirectory
        request.program = plan.request.path
        request.arguments = plan.request.arguments

        let startedAt = Clock.unixNow()
        let report: [UInt8]
        do throws(ContainerizerError) {
            let service = try currentLaunchService()
            let token = state.withLock { state -> UInt64 in
                defer { state.nextToken += 1 }
                return state.nextToken
            }
            let (parentEnd, childEnd) = try Self.errorChannel()
            state.withLock {
                $0.slots[id] = .live(Record(
                    pid: 0, token: token, service: service, sandbox: plan.sandbox, startedAt: startedAt,
                    cgroups: cgroups, memoryLimit: resources.memoryBytes, pidNamespace: true, gpus: gpus))
            }
            do throws(ContainerizerError) {
                try service.launch(
                    token: token, pidNamespace: true, arguments: request.encoded(), environment: plan.request.environment,
                    descriptors: (plan.request.standardOutput, plan.request.standardError, childEnd)
                ) { [self] event in
                    switch event {
                    case .started(let pid): started(id, token: token, pid: pid)
                    case .exited(let rawStatus): finished(id, token: token, rawStatus: rawStatus)
                    }
                }
            } catch {
                close(parentEnd)
                close(childEnd)
                throw error
            }
            close(childEnd)
            // EOF without a report: the task exec'd (the channel is close-on-exec in the container).
            report = await Self.readAll(parentEnd)
        } catch {
            await removeCgroups(cgroups)
            _ = state.withLock { $0.slots.removeValue(forKey: id) }
            LaunchPlan.removeSandbox(plan.sandbox)
            logger.info("container launch failed", ["container": id, "error": error.description])
            throw error
        }
        guard report.isEmpty else {
            let failure = Self.error(from: report, program: request.program, searchPath: configuration.posix.defaultSearchPath)
            // The launcher exits with 127 after reporting: collect it, then remove everything.
            _ = try? await destroy(id, removeSandbox: true)
            logger.info("container launch failed", ["container": id, "error": failure.description])
            throw failure
        }
        let pid = state.withLock { state -> pid_t in
            if case .live(let record) = state.slots[id] { record.pid } else { 0 }
        }
        logger.debug("launched container", ["container": id, "pid": pid])
        return ContainerHandle(id: id, pid: pid, sandboxDirectory: plan.sandbox, startedAt: startedAt)
    }

    /// The launch service, started now if there is none (or the last one died).
    private func currentLaunchService() throws(ContainerizerError) -> LaunchService {
        try launchService.withLock { (service) throws(ContainerizerError) -> LaunchService in
            if let running = service, !running.isDead { return running }
            let started = try LaunchService(launcherPath: launcherPath, logger: logger)
            service = started
            return started
        }
    }

    /// Records the pid of the container's init, as the launch service reported it.
    private func started(_ id: ContainerID, token: UInt64, pid: pid_t) {
        state.withLock { state in
            guard case .live(var record) = state.slots[id], record.token == token else { return }
            record.pid = pid
            state.slots[id] = .live(record)
        }
    }

    /// Claims the ID (and `count` GPUs) for a launch.
    private func reserve(_ id: ContainerID, gpus count: Int) throws(ContainerizerError) -> [Int] {
        try state.withLock { (state) throws(ContainerizerError) -> [Int] in
            guard state.slots[id] == nil else { throw .containerAlreadyExists(id.value) }
            var gpus: [Int] = []
            if count > 0 {
                guard hierarchy.version == .v1, hierarchy.controllers["devices"] != nil else {
                    throw .unsupported("GPU isolation needs the cgroup v1 devices controller")
                }
                let inUse = Self.gpusInUse(state.slots)
                guard let granted = GPUDevices.allocate(count, from: gpuIndices, inUse: inUse) else {
                    throw .invalidSpec(reason: "\(count) GPUs requested, \(gpuIndices.count - inUse.count) free on this host")
                }
                gpus = granted
            }
            state.slots[id] = .launching(gpus: gpus)
            return gpus
        }
    }

    /// `mkdir` the container's cgroups (a stale one of the same name is killed and removed first) and write its
    /// limits.
    private func createCgroups(_ cgroups: Cgroups, resources: ContainerResources, gpus: [Int]) throws(ContainerizerError) {
        if cgroups.directories.contains(where: CgroupFiles.exists) {
            _ = CgroupFiles.destroySync(version: hierarchy.version, directories: cgroups.directories,
                                        members: cgroups.members, freezer: cgroups.freezer)
        }
        for directory in cgroups.directories where mkdir(directory, 0o755) != 0 {
            // The root is gone (removed by shutdown()): create it again, once.
            guard errno == ENOENT else { throw .system("mkdir", path: directory) }
            try prepareParent()
            if mkdir(directory, 0o755) != 0, errno != EEXIST { throw .system("mkdir", path: directory) }
        }
        let writes = CgroupSettings.writes(
            version: hierarchy.version, resources: resources, hardCPUQuota: configuration.hardCPUQuota,
            cfsPeriod: configuration.cfsPeriodMicroseconds, defaultPidsLimit: configuration.defaultPidsLimit)
        try Self.apply(writes, to: cgroups)
        if !gpuIndices.isEmpty, let devices = cgroups.byController["devices"], cgroups.directories.contains(devices) {
            for rule in GPUDevices.denyRules(all: gpuIndices, allowed: gpus) {
                try CgroupFiles.write(devices + "/devices.deny", rule)
            }
        }
    }

    /// The control file the launcher writes `0` to, in each of the container's cgroups.
    ///
    /// v1: `tasks`, which moves only the writing thread (the launcher is single-threaded there, so the whole
    /// process moves, and everything it forks follows). Unlike `cgroup.procs` this does not take the kernel's global
    /// `cgroup_threadgroup_rwsem` for writing, whose first use after an idle spell waits for an RCU grace period:
    /// measured 12–14 ms for the first of the five writes against 15–45 µs through `tasks`. v2: `cgroup.procs`
    /// (domain cgroups take no thread moves).
    static func attachFile(_ version: CgroupHierarchy.Version) -> String {
        version == .v1 ? "tasks" : "cgroup.procs"
    }

    /// A close-on-exec socket pair: (the containerizer's end, the launcher's descriptor 3).
    private static func errorChannel() throws(ContainerizerError) -> (Int32, Int32) {
        var fds: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) == 0 else {
            throw .system("socketpair")
        }
        if fds[1] == 3 {  // posix_spawn's dup2(3, 3) would keep close-on-exec set: move it
            let moved = fcntl(3, F_DUPFD_CLOEXEC, 4)
            close(3)
            guard moved >= 0 else {
                close(fds[0])
                throw .system("fcntl")
            }
            fds[1] = moved
        }
        return (fds[0], fds[1])
    }

    /// Reads `fd` to end-of-file on a Dispatch thread (never the cooperative pool), then closes it.
    private static func readAll(_ fd: Int32) async -> [UInt8] {
        await offPool {
            var bytes: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 512)
            while true {
                let got = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
                if got < 0, errno == EINTR { continue }
                if got <= 0 { break }
                bytes += buffer[0..<got]
            }
            close(fd)
            return bytes
        }
    }

    /// The ``ContainerizerError`` for a launcher report.
    static func error(from report: [UInt8], program: String, searchPath: String) -> ContainerizerError {
        guard let failure = LaunchFailure(decoding: report) else {
            return .spawnFailed(executable: program, errno: 0,
                                message: "keel-launcher: " + String(decoding: report, as: UTF8.self))
        }
        let message = ContainerizerError.message(failure.errno)
        switch failure.call {
        case "execve":
            if failure.errno == ENOENT { return .executableNotFound(name: failure.detail, searchPath: searchPath) }
            if failure.errno == EACCES || failure.errno == ENOEXEC { return .notExecutable(path: failure.detail, reason: message) }
            return .spawnFailed(executable: failure.detail, errno: failure.errno, message: message)
        case "chdir":
            return .workingDirectoryUnavailable(path: failure.detail, errno: failure.errno, message: message)
        case "arguments":
            return .invalidSpec(reason: "keel-launcher: " + failure.detail)
        default:
            return .systemCallFailed(call: "keel-launcher: " + failure.call, path: failure.detail,
                                     errno: failure.errno, message: message)
        }
    }
}
