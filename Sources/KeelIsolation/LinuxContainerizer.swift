#if canImport(Glibc)
import Glibc
#endif
import Foundation
import KeelContainer
import KeelLog
import Synchronization

/// The Linux containerizer: each container is a set of cgroups (`<cgroupRoot>/<rootName>/<id>`) and new pid, mount,
/// UTS and IPC namespaces (network on request) entered by `keel-launcher`, which the agent starts with
/// `posix_spawn` (the agent never forks). See `Proposals/0004-linux-isolation.md`.
///
/// - The main process the containerizer sees is the launcher: it stays outside the namespaces, forwards signals to
///   the namespace's init and ends exactly like the task did. Exits are collected by the shared ``ProcessReaper``.
/// - Launch failures before `exec` come back over a close-on-exec socket as precise ``ContainerizerError``s.
/// - `kill` sends SIGTERM to the launcher (forwarded to every process of the container), then kills the whole
///   cgroup (freezer on v1, `cgroup.kill` on v2); `destroy` kills the cgroup and removes it.
/// - An OOM kill in the memory cgroup sets ``ContainerTermination/limitation`` to ``ContainerLimitation/memory(limitBytes:)``.
public final class LinuxContainerizer: Containerizer {
    struct Cgroups: Sendable {
        /// Every directory created (one per distinct v1 mount, or one on v2).
        var directories: [String]
        /// The directory whose `cgroup.procs` lists the container's processes (freezer's on v1).
        var members: String
        /// The freezer directory on v1.
        var freezer: String?
        /// controller → directory.
        var byController: [String: String]
    }

    struct Record {
        /// The container's first process (its init): 0 until the launch service reported it.
        var pid: pid_t
        /// The container's name at the launch service.
        var token: UInt64
        var service: LaunchService
        var sandbox: String
        var startedAt: Double
        var cgroups: Cgroups
        var memoryLimit: UInt64?
        var pidNamespace: Bool
        var gpus: [Int]
        var killRequested = false
        var termination: ContainerTermination?
        var waiters = TerminationWaiters()
    }

    enum Slot {
        case launching(gpus: [Int])
        case live(Record)
    }

    struct State {
        var slots: [ContainerID: Slot] = [:]
        var nextToken: UInt64 = 1
    }

    /// The settings this containerizer runs with.
    public let configuration: LinuxContainerizerConfiguration
    /// The cgroup hierarchy found at start.
    public let hierarchy: CgroupHierarchy
    /// The launcher executable in use.
    public let launcherPath: String
    /// GPU indices on this host (`/dev/nvidia<N>`).
    public let gpuIndices: [Int]
    let state = Mutex(State())
    /// The running `keel-launcher --serve`, started at the first launch (and again if it died).
    let launchService = Mutex<LaunchService?>(nil)
    let waiterTokens = WaiterTokens()
    let logger: Logger

    /// Detects the cgroup hierarchy, finds the launcher, and kills and removes orphaned containers of an earlier run
    /// (everything under `<cgroupRoot>/<rootName>`). Throws ``ContainerizerError/unsupported(_:)`` without a usable
    /// cgroup file system or launcher, and when not root.
    public init(configuration: LinuxContainerizerConfiguration,
                logger: Logger = Logger(label: "keel.container.linux")) throws(ContainerizerError) {
        guard geteuid() == 0 else { throw .unsupported("the Linux containerizer needs root") }
        guard let hierarchy = LinuxContainerizer.detectHierarchy() else {
            throw .unsupported("no cgroup file system with the cpu, memory and pids controllers")
        }
        let launcher = configuration.launcherPath ?? LinuxContainerizer.defaultLauncherPath()
        guard access(launcher, X_OK) == 0 else {
            throw .notExecutable(path: launcher, reason: "keel-launcher is missing (build it next to the agent)")
        }
        self.configuration = configuration
        self.hierarchy = hierarchy
        self.launcherPath = launcher
        self.logger = logger
        self.gpuIndices = GPUDevices.indices(devEntries: (try? FileManager.default.contentsOfDirectory(atPath: "/dev")) ?? [])
        try prepareParent()
        cleanOrphans()
    }

    /// The pid of the running launch service (`keel-launcher --serve`), once a launch started it; the CPU of the
    /// containers' launch steps is accounted to it.
    public var launchServicePID: pid_t? {
        launchService.withLock { service in service.flatMap { $0.isDead ? nil : $0.pid } }
    }

    /// ``ContainerIsolation/linux``.
    public var isolation: ContainerIsolation { .linux }

    /// The hierarchy of this machine, or `nil` when there is no usable one.
    public static func detectHierarchy() -> CgroupHierarchy? {
        guard let mountinfo = ProcFiles.read("/proc/self/mountinfo", limit: 1 << 20) else { return nil }
        return CgroupHierarchy.detect(mountinfo: mountinfo) { mount in
            (ProcFiles.read(mount + "/cgroup.controllers") ?? "").split(whereSeparator: { $0 == " " || $0 == "\n" })
                .map(String.init)
        }
    }

    /// `keel-launcher` in the directory of the running executable (`/proc/self/exe`).
    public static func defaultLauncherPath() -> String {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return executable.deletingLastPathComponent().appendingPathComponent("keel-launcher").path
    }

    /// Waits for the container's main process to end (see ``Containerizer/wait(_:)``).
    public func wait(_ id: ContainerID) async throws -> ContainerTermination {
        let token = waiterTokens.next()
        return try await TerminationWaiters.wait { waiter in
            state.withLock { state in
                guard case .live(var record) = state.slots[id] else { return .failure(ContainerizerError.unknownContainer(id.value)) }
                defer { state.slots[id] = .live(record) }
                return record.waiters.attach(token, waiter, ended: record.termination)
            }
        } detach: {
            state.withLock { state in
                guard case .live(var record) = state.slots[id] else { return nil }
                defer { state.slots[id] = .live(record) }
                return record.waiters.detach(token)
            }
        }
    }

    /// SIGTERM to the container's processes (through the launcher), then the whole cgroup killed after `grace` if
    /// the main process still runs.
    public func kill(_ id: ContainerID, grace: Duration) async throws(ContainerizerError) -> ContainerTermination {
        let (record, first) = try markKilled(id)
        if let ended = record.termination { return ended }
        if first {
            logger.info("killing container", ["container": id, "pid": record.pid, "grace": grace])
            // With a pid namespace the launcher forwards it to every process in the namespace; without, the
            // process group gets it (as under the POSIX containerizer).
            record.service.signal(token: record.token, SIGTERM)
        }
        let exitedInGrace = await withTaskGroup(of: Bool.self) { group in
            group.addTask { [self] in (try? await wait(id)) != nil }
            group.addTask {
                if grace > .zero { try? await Task.sleep(for: grace) }
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        if !exitedInGrace { await killCgroup(record.cgroups) }
        return try await terminationAfterKill(id)
    }

    /// Live usage from the container's cgroups; the final sample (taken at exit) once the main process ended.
    public func usage(_ id: ContainerID) async throws(ContainerizerError) -> ResourceUsage {
        let record = try state.withLock { (state) throws(ContainerizerError) -> Record in
            guard case .live(let record) = state.slots[id] else { throw .unknownContainer(id.value) }
            return record
        }
        if let termination = record.termination, let usage = termination.usage { return usage }
        return sample(record.cgroups)
    }

    /// Kills everything in the container's cgroups, waits for the main process, removes the cgroups, forgets the
    /// container and — when `removeSandbox` — deletes its sandbox.
    public func destroy(_ id: ContainerID, removeSandbox: Bool) async throws(ContainerizerError) -> ContainerTermination {
        let (record, _) = try markKilled(id)
        await killCgroup(record.cgroups)
        let termination = try await terminationAfterKill(id)
        await removeCgroups(record.cgroups)
        _ = state.withLock { $0.slots.removeValue(forKey: id) }
        if removeSandbox { LaunchPlan.removeSandbox(record.sandbox) }
        logger.debug("destroyed container", ["container": id, "termination": termination])
        return termination
    }

    /// Every known container, sorted.
    public func containers() async -> [ContainerID] {
        state.withLock { Array($0.slots.keys) }.sorted()
    }

    /// Destroys every container still known (their sandboxes are kept) and removes this containerizer's cgroup root
    /// `<cgroupRoot>/<rootName>` in every hierarchy, so a stopped agent leaves no empty directories behind. A later
    /// launch creates the root again. (The root is also removed, when empty, once the containerizer is released.)
    public func shutdown() async {
        for id in await containers() { _ = try? await destroy(id, removeSandbox: false) }
        launchService.withLock { service in
            service?.shutdown()
            service = nil
        }
        let left = removeRootDirectories()
        if !left.isEmpty {
            logger.warning("cannot remove the cgroup root", ["cgroups": left.joined(separator: " "), "errno": errno])
        }
    }

    deinit {
        launchService.withLock { $0?.shutdown() }
        removeRootDirectories()
    }

    // MARK: - Internals

    private func markKilled(_ id: ContainerID) throws(ContainerizerError) -> (Record, Bool) {
        try state.withLock { (state) throws(ContainerizerError) in
            guard case .live(var record) = state.slots[id] else { throw .unknownContainer(id.value) }
            let first = !record.killRequested && record.termination == nil
            if record.termination == nil { record.killRequested = true }
            state.slots[id] = .live(record)
            return (record, first)
        }
    }

    /// The termination once the main process is gone, in its own task so that cancelling the caller cannot lose
    /// the outcome of a kill already under way.
    func terminationAfterKill(_ id: ContainerID) async throws(ContainerizerError) -> ContainerTermination {
        let known = try state.withLock { (state) throws(ContainerizerError) -> ContainerTermination? in
            guard case .live(let record) = state.slots[id] else { throw .unknownContainer(id.value) }
            return record.termination
        }
        if let known { return known }  // already reaped (the usual case in destroy): no task to start
        let outcome = await Task { [self] () async -> Result<ContainerTermination, ContainerizerError> in
            do {
                return .success(try await wait(id))
            } catch let error as ContainerizerError {
                return .failure(error)
            } catch {
                return .failure(.unknownContainer(id.value))  // not reachable: this task is never cancelled
            }
        }.value
        return try outcome.get()
    }

    /// Called on the launch service's reader thread when the container's task ended: a final cgroup sample, the OOM
    /// check, waiters.
    func finished(_ id: ContainerID, token: UInt64, rawStatus: Int32) {
        let time = Clock.unixNow()
        let cgroups = state.withLock { state -> Cgroups? in
            guard case .live(let record) = state.slots[id], record.token == token else { return nil }
            return record.cgroups
        }
        guard let cgroups else { return }
        var usage = sample(cgroups)
        usage.timestamp = time
        let oomFile = hierarchy.version == .v1 ? "memory.oom_control" : "memory.events"
        let ooms = CgroupStatistics.oomKills(cgroups.byController["memory"].flatMap { CgroupFiles.read($0 + "/" + oomFile) })
        let (waiters, termination) = state.withLock { state -> ([CheckedContinuation<ContainerTermination, any Error>], ContainerTermination?) in
            guard case .live(var record) = state.slots[id], record.token == token else { return ([], nil) }
            let limitation = ooms > 0 ? record.memoryLimit.map { ContainerLimitation.memory(limitBytes: $0) } : nil
            let termination = ContainerTermination(
                status: ContainerTermination.status(fromWaitStatus: rawStatus), killed: record.killRequested,
                startedAt: record.startedAt, endedAt: time,
                usage: usage, limitation: limitation)
            record.termination = termination
            let waiters = record.waiters.takeAll()
            state.slots[id] = .live(record)
            return (waiters, termination)
        }
        guard let termination else { return }
        logger.debug("container ended", ["container": id, "termination": termination])
        for waiter in waiters { waiter.resume(returning: termination) }
    }

    func sample(_ cgroups: Cgroups) -> ResourceUsage {
        var files: [String: String] = [:]
        for (controller, file) in CgroupStatistics.files(hierarchy.version) {
            if let directory = cgroups.byController[controller], let text = CgroupFiles.read(directory + "/" + file) {
                files[file] = text
            }
        }
        return CgroupStatistics.usage(version: hierarchy.version, files: files, timestamp: Clock.unixNow())
    }

    /// Kills every process in the cgroup, polling the cgroup (no kernel event says "empty") with 1 ms pauses;
    /// gives up after 10 s with a warning (a process stuck in the kernel).
    func killCgroup(_ cgroups: Cgroups) async {
        let deadline = ContinuousClock.now + .seconds(10)
        while !CgroupFiles.killStep(version: hierarchy.version, members: cgroups.members, freezer: cgroups.freezer) {
            if ContinuousClock.now > deadline {
                logger.warning("processes survive SIGKILL in the container's cgroup", ["cgroup": cgroups.members])
                return
            }
            try? await Task.sleep(for: .milliseconds(1))
        }
    }

    /// Removes the container's cgroup directories (`EBUSY` while exiting processes linger: retried briefly).
    func removeCgroups(_ cgroups: Cgroups) async {
        let deadline = ContinuousClock.now + .seconds(10)
        var left = cgroups.directories
        while true {
            left = left.filter { !CgroupFiles.remove($0) }
            if left.isEmpty { return }
            if ContinuousClock.now > deadline {
                logger.warning("cannot remove cgroups", ["cgroups": left.joined(separator: " "), "errno": errno])
                return
            }
            try? await Task.sleep(for: .milliseconds(1))
        }
    }

    /// `<cgroupRoot>/<rootName>` in every hierarchy this containerizer uses.
    var rootDirectories: [String] {
        hierarchy.directories(configuration.cgroupParent, controllers: Self.controllers(hierarchy, gpus: !gpuIndices.isEmpty))
    }

    /// `rmdir` of the root directories (only empty ones go); returns those that remain.
    @discardableResult
    func removeRootDirectories() -> [String] {
        rootDirectories.filter { !CgroupFiles.remove($0) }
    }

    /// Creates `<cgroupRoot>/<rootName>` in every hierarchy; on v2 enables the controllers for the subtree.
    func prepareParent() throws(ContainerizerError) {
        let parent = configuration.cgroupParent
        for directory in rootDirectories { try CgroupFiles.makeDirectories(directory) }
        guard hierarchy.version == .v2, let mount = hierarchy.unifiedMount else { return }
        let enable = CgroupHierarchy.requiredV2.map { "+" + $0 }.joined(separator: " ")
        var path = mount
        try CgroupFiles.write(path + "/cgroup.subtree_control", enable)
        for component in parent.split(separator: "/") {
            path += "/" + component
            try CgroupFiles.write(path + "/cgroup.subtree_control", enable)
        }
    }

    /// Kills and removes every container cgroup left under `<cgroupRoot>/<rootName>` by an earlier run.
    private func cleanOrphans() {
        let controllers = Self.controllers(hierarchy, gpus: !gpuIndices.isEmpty)
        var names = Set<String>()
        for directory in hierarchy.directories(configuration.cgroupParent, controllers: controllers) {
            names.formUnion(CgroupFiles.subdirectories(directory))
        }
        for name in names.sorted() {
            let cgroups = cgroupPaths(name)
            let done = CgroupFiles.destroySync(version: hierarchy.version, directories: cgroups.directories,
                                               members: cgroups.members, freezer: cgroups.freezer)
            logger.warning("removed an orphaned container", ["container": name, "complete": done])
        }
    }

    /// The controllers a container joins.
    static func controllers(_ hierarchy: CgroupHierarchy, gpus: Bool) -> [String] {
        switch hierarchy.version {
        case .v1: CgroupHierarchy.requiredV1 + (gpus && hierarchy.controllers["devices"] != nil ? ["devices"] : [])
        case .v2: ["cpu"]
        }
    }

    /// The cgroup paths of container `name`.
    func cgroupPaths(_ name: String) -> Cgroups {
        let relative = configuration.cgroupParent + "/" + name
        let controllers = Self.controllers(hierarchy, gpus: !gpuIndices.isEmpty)
        var byController: [String: String] = [:]
        for controller in CgroupHierarchy.requiredV1 + ["devices"] {
            byController[controller] = hierarchy.directory(relative, controller: controller)
        }
        let directories = hierarchy.directories(relative, controllers: controllers)
        let freezer = hierarchy.version == .v1 ? byController["freezer"] : nil
        return Cgroups(directories: directories, members: freezer ?? directories[0], freezer: freezer,
                       byController: byController)
    }
}
