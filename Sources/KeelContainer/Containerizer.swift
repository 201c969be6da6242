/// The isolation a containerizer enforces; agents advertise it so frameworks can require one.
public struct ContainerIsolation: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    /// `posix`, `linux`, …
    public var rawValue: String

    /// An isolation kind by name.
    public init(rawValue: String) { self.rawValue = rawValue }

    /// Process groups and rlimits only: no resource enforcement, no namespaces.
    public static let posix = ContainerIsolation(rawValue: "posix")
    /// cgroups, namespaces and capabilities (the Linux containerizer).
    public static let linux = ContainerIsolation(rawValue: "linux")

    /// The name.
    public var description: String { rawValue }
}

/// What a containerizer reports right after it started a container.
public struct ContainerHandle: Sendable, Hashable, Codable {
    /// The container's ID.
    public var id: ContainerID
    /// The pid of its main process (the executor), which is also its process-group ID under the POSIX containerizer.
    public var pid: Int32
    /// The per-run sandbox directory (holds `stdout` and `stderr`).
    public var sandboxDirectory: String
    /// When it was spawned, in seconds since the Unix epoch.
    public var startedAt: Double

    /// A handle.
    public init(id: ContainerID, pid: Int32, sandboxDirectory: String, startedAt: Double) {
        self.id = id
        self.pid = pid
        self.sandboxDirectory = sandboxDirectory
        self.startedAt = startedAt
    }

    /// `<sandbox>/stdout`.
    public var standardOutputPath: String { sandboxDirectory + "/stdout" }
    /// `<sandbox>/stderr`.
    public var standardErrorPath: String { sandboxDirectory + "/stderr" }
}

/// Launches, supervises and kills executors on an agent. The agent talks only to this seam; the POSIX containerizer
/// implements it with process groups and rlimits, the Linux containerizer with cgroups and namespaces.
///
/// Contract for every implementation:
/// - `launch` returns once the process runs (or throws a precise ``ContainerizerError``; nothing is left behind);
/// - a container's exit is observed without polling and without blocking the cooperative thread pool;
/// - a container stays known — `wait` keeps answering with its termination — until `destroy`.
public protocol Containerizer: Sendable {
    /// The isolation this containerizer enforces.
    var isolation: ContainerIsolation { get }

    /// Creates the sandbox `<workDirectory>/containers/<id>/` and starts `spec` in it with stdout and stderr
    /// redirected to files there.
    func launch(_ spec: ContainerSpec) async throws(ContainerizerError) -> ContainerHandle

    /// Waits until the container's main process ended. Returns at once if it already has; throws
    /// ``ContainerizerError/unknownContainer(_:)`` for an unknown ID and `CancellationError` if the waiting task is
    /// cancelled (the container is unaffected).
    func wait(_ id: ContainerID) async throws -> ContainerTermination

    /// Kills the container gracefully: `SIGTERM` to its processes, then — if the main process still runs after
    /// `grace` — `SIGKILL` to all of them. Returns the termination. Idempotent: a container that already ended
    /// returns its termination; a second call while a kill is in progress does not signal `SIGTERM` again.
    func kill(_ id: ContainerID, grace: Duration) async throws(ContainerizerError) -> ContainerTermination

    /// Gives a running container new resources: a custom executor's container grows when a task joins it and
    /// shrinks when one ends (Mesos' `Containerizer::update`). Isolating containerizers enforce the change at once,
    /// except that a memory decrease never kills: the Linux containerizer lowers the hard limit only when the kernel
    /// can reclaim down to it (see `LinuxContainerizer.update`). A container that already ended takes the
    /// call and changes nothing. Throws ``ContainerizerError/unknownContainer(_:)`` for an unknown ID, and changes
    /// nothing when a resource cannot be granted (e.g. too few free GPUs). Updates of one container are made one
    /// at a time. Default: throws ``ContainerizerError/unsupported(_:)``.
    func update(_ id: ContainerID, resources: ContainerResources) async throws(ContainerizerError)

    /// CPU time and memory of the container's processes (live while running; from the exit afterwards).
    func usage(_ id: ContainerID) async throws(ContainerizerError) -> ResourceUsage

    /// Kills whatever still runs in the container at once (`SIGKILL`), waits for the main process, forgets the
    /// container and — when `removeSandbox` — deletes its sandbox. Returns the termination.
    func destroy(_ id: ContainerID, removeSandbox: Bool) async throws(ContainerizerError) -> ContainerTermination

    /// The IDs of every container known (running or ended but not destroyed), sorted.
    func containers() async -> [ContainerID]

    /// Called once by the agent when it stops, after it killed its containers: releases what the containerizer
    /// holds on the host (the Linux containerizer destroys the containers still known, keeping their sandboxes, and
    /// removes its cgroup root directories). Launching afterwards still works. Default: nothing to release.
    func shutdown() async
}

extension Containerizer {
    /// Nothing to release (see ``Containerizer/shutdown()``).
    public func shutdown() async {}

    /// Refuses: this containerizer cannot resize a running container (see ``Containerizer/update(_:resources:)``),
    /// so tasks that would join a custom executor's container fail rather than run unaccounted.
    public func update(_ id: ContainerID, resources: ContainerResources) async throws(ContainerizerError) {
        throw .unsupported("resizing a running container")
    }
}
