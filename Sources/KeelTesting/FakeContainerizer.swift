import Foundation
import KeelContainer
import Synchronization

/// A ``Containerizer`` that runs no processes: each container is a record and, at most, a timer. Use it to run
/// agents by the thousand in one process (scale tests, framework tests that need many hosts), or to make a task's
/// outcome deterministic.
///
/// What a container "does" is decided by ``behavior`` when it launches. The default, ``defaultBehavior(_:)``,
/// understands the commands frameworks use in tests:
/// - `sleep N` (argv `["sleep", "N"]` or shell `sleep N`): runs N seconds (divided by ``timeCompression``), then exits 0;
/// - `false` / `exit K`: exits 1 / K at once;
/// - anything else: exits 0 at once.
///
/// A kill ends the container at once (terminated by `SIGTERM`, as a well-behaved process would be); ``destroy(_:removeSandbox:)``
/// ends it with `SIGKILL`. Nothing touches the file system: sandboxes are the paths ``sandboxRoot``/`<id>`, never created.
///
/// ```swift
/// let agent = AgentActor(actorSystem: node, configuration: settings,
///                        containerizer: FakeContainerizer(timeCompression: 1000))  // `sleep 30` lasts 30 ms
/// ```
public final class FakeContainerizer: Containerizer {
    /// What a launched container does.
    public enum Behavior: Sendable, Hashable {
        /// Exits with `code` after `duration` (zero: at once).
        case exit(code: Int32, after: Duration)
        /// Runs until it is killed or destroyed.
        case runUntilKilled
    }

    private struct Record {
        var handle: ContainerHandle
        var killRequested = false
        var termination: ContainerTermination?
        var waiters = TerminationWaiters()
        var timer: Task<Void, Never>?
        /// The resources at launch, then after each update.
        var resources: [ContainerResources?]
    }

    private struct State {
        var records: [ContainerID: Record] = [:]
        var nextPid: Int32 = 100_000
        var launched = 0
    }

    /// Real time is divided by this for `sleep N` commands under ``defaultBehavior(_:)``. Default 1.
    public let timeCompression: Double
    /// Decides each container's behavior at launch.
    public let behavior: @Sendable (ContainerSpec) -> Behavior
    /// The (never created) directory sandboxes are reported under.
    public let sandboxRoot: String
    private let state = Mutex(State())
    private let waiterTokens = WaiterTokens()

    /// A fake containerizer. `behavior` defaults to ``defaultBehavior(_:)`` with `timeCompression`.
    public init(timeCompression: Double = 1, sandboxRoot: String = "/nonexistent/keel-fake",
                behavior: (@Sendable (ContainerSpec) -> Behavior)? = nil) {
        let compression = timeCompression > 0 && timeCompression.isFinite ? timeCompression : 1
        self.timeCompression = compression
        self.sandboxRoot = sandboxRoot
        self.behavior = behavior ?? { spec in Self.defaultBehavior(spec, timeCompression: compression) }
    }

    /// `sleep N` runs N / `timeCompression` seconds, `false` exits 1, `exit K` exits K, anything else exits 0 at once.
    public static func defaultBehavior(_ spec: ContainerSpec, timeCompression: Double = 1) -> Behavior {
        let words: [String]
        switch spec.command {
        case .argv(let executable, let arguments): words = [executable] + arguments
        case .shell(let line): words = line.split(separator: " ").map(String.init)
        }
        let name = words.first.map { ($0 as NSString).lastPathComponent } ?? ""
        switch name {
        case "sleep":
            guard words.count == 2, let seconds = Double(words[1]), seconds.isFinite, seconds >= 0 else {
                return .exit(code: 1, after: .zero)
            }
            return .exit(code: 0, after: .nanoseconds(Int64(seconds / timeCompression * 1e9)))
        case "false": return .exit(code: 1, after: .zero)
        case "exit": return .exit(code: words.count > 1 ? Int32(words[1]) ?? 2 : 0, after: .zero)
        default: return .exit(code: 0, after: .zero)
        }
    }

    /// Containers are not isolated at all; reported as ``ContainerIsolation/posix``.
    public var isolation: ContainerIsolation { .posix }

    /// How many containers were launched so far.
    public var launchedCount: Int { state.withLock { $0.launched } }

    /// How many known containers have not ended.
    public var runningCount: Int { state.withLock { $0.records.values.count { $0.termination == nil } } }

    public func launch(_ spec: ContainerSpec) async throws(ContainerizerError) -> ContainerHandle {
        let what = behavior(spec)
        let handle = try state.withLock { (state) throws(ContainerizerError) -> ContainerHandle in
            guard state.records[spec.id] == nil else { throw .containerAlreadyExists(spec.id.value) }
            state.nextPid += 1
            state.launched += 1
            let handle = ContainerHandle(id: spec.id, pid: state.nextPid, sandboxDirectory: "\(sandboxRoot)/\(spec.id.value)",
                                         startedAt: Self.now())
            state.records[spec.id] = Record(handle: handle, resources: [spec.resources])
            return handle
        }
        switch what {
        case .runUntilKilled: break
        case .exit(let code, let after) where after <= .zero:
            end(spec.id, .exited(code: code))
        case .exit(let code, let after):
            let timer = Task { [weak self] in
                do { try await Task.sleep(for: after) } catch { return }
                self?.end(spec.id, .exited(code: code))
            }
            state.withLock { state in
                if state.records[spec.id]?.termination == nil { state.records[spec.id]?.timer = timer } else { timer.cancel() }
            }
        }
        return handle
    }

    /// Records `resources` (see ``resourceHistory(of:)``); a container that ended ignores them.
    public func update(_ id: ContainerID, resources: ContainerResources) async throws(ContainerizerError) {
        try state.withLock { (state) throws(ContainerizerError) in
            guard let record = state.records[id] else { throw .unknownContainer(id.value) }
            if record.termination == nil { state.records[id]?.resources.append(resources) }
        }
    }

    /// The resources container `id` was launched with, then those of each ``update(_:resources:)`` while it ran, in
    /// order; empty for an unknown (or destroyed) container.
    public func resourceHistory(of id: ContainerID) -> [ContainerResources?] {
        state.withLock { $0.records[id]?.resources ?? [] }
    }

    public func wait(_ id: ContainerID) async throws -> ContainerTermination {
        let token = waiterTokens.next()
        return try await TerminationWaiters.wait { waiter in
            state.withLock { state in
                guard var record = state.records[id] else { return .failure(ContainerizerError.unknownContainer(id.value)) }
                defer { state.records[id] = record }
                return record.waiters.attach(token, waiter, ended: record.termination)
            }
        } detach: {
            state.withLock { $0.records[id]?.waiters.detach(token) }
        }
    }

    /// Ends the container at once, terminated by `SIGTERM` (the grace period is not needed), unless it ended already.
    public func kill(_ id: ContainerID, grace: Duration) async throws(ContainerizerError) -> ContainerTermination {
        try markKilled(id)
        end(id, .signaled(signal: 15, coreDumped: false))
        return try termination(of: id)
    }

    public func usage(_ id: ContainerID) async throws(ContainerizerError) -> ResourceUsage {
        let record = try state.withLock { (state) throws(ContainerizerError) -> Record in
            guard let record = state.records[id] else { throw .unknownContainer(id.value) }
            return record
        }
        return ResourceUsage(userCPUSeconds: 0, systemCPUSeconds: 0, residentBytes: 0, peakResidentBytes: nil,
                             processes: record.termination == nil ? 1 : 0, timestamp: Self.now())
    }

    /// Ends the container with `SIGKILL` if it still runs, and forgets it.
    public func destroy(_ id: ContainerID, removeSandbox: Bool) async throws(ContainerizerError) -> ContainerTermination {
        try markKilled(id)
        end(id, .signaled(signal: 9, coreDumped: false))
        let result = try termination(of: id)
        _ = state.withLock { $0.records.removeValue(forKey: id) }
        return result
    }

    public func containers() async -> [ContainerID] {
        state.withLock { Array($0.records.keys) }.sorted()
    }

    // MARK: - Internals

    private func markKilled(_ id: ContainerID) throws(ContainerizerError) {
        try state.withLock { (state) throws(ContainerizerError) in
            guard state.records[id] != nil else { throw .unknownContainer(id.value) }
            if state.records[id]?.termination == nil { state.records[id]?.killRequested = true }
        }
    }

    private func termination(of id: ContainerID) throws(ContainerizerError) -> ContainerTermination {
        guard let termination = state.withLock({ $0.records[id]?.termination }) else { throw .unknownContainer(id.value) }
        return termination
    }

    /// Records the container's end (once) and wakes its waiters.
    private func end(_ id: ContainerID, _ status: ContainerTermination.Status) {
        let (waiters, termination, timer) = state.withLock { state -> ([CheckedContinuation<ContainerTermination, any Error>], ContainerTermination?, Task<Void, Never>?) in
            guard var record = state.records[id], record.termination == nil else { return ([], nil, nil) }
            let termination = ContainerTermination(status: status, killed: record.killRequested,
                                                   startedAt: record.handle.startedAt, endedAt: Self.now(), usage: nil)
            record.termination = termination
            let waiters = record.waiters.takeAll()
            let timer = record.timer
            record.timer = nil
            state.records[id] = record
            return (waiters, termination, timer)
        }
        timer?.cancel()
        guard let termination else { return }
        for waiter in waiters { waiter.resume(returning: termination) }
    }

    private static func now() -> Double { Date().timeIntervalSince1970 }
}
