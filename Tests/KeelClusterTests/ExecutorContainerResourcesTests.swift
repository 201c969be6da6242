import Foundation
import KeelActors
import KeelAgent
import KeelContainer
import KeelCore
import KeelFramework
import KeelProtocol
import KeelTesting
import Synchronization
import Testing

/// A POSIX containerizer that reports what the agent asks of it: the resources of each launch and update, in order.
/// It can refuse updates, and report an executor's exit as an OOM kill (what the Linux containerizer reports).
final class RecordingContainerizer: Containerizer {
    enum Call: Sendable, Equatable {
        case launch(ContainerID, ContainerResources?)
        case update(ContainerID, ContainerResources)
    }

    let inner: PosixContainerizer
    let refuseUpdates: Bool
    let exitsAreOOMKills: Bool
    private let recorded = Mutex<[Call]>([])
    let calls: AsyncStream<Call>
    private let continuation: AsyncStream<Call>.Continuation

    init(workDirectory: String, refuseUpdates: Bool = false, exitsAreOOMKills: Bool = false) {
        inner = PosixContainerizer(configuration: PosixContainerizerConfiguration(workDirectory: workDirectory))
        self.refuseUpdates = refuseUpdates
        self.exitsAreOOMKills = exitsAreOOMKills
        (calls, continuation) = AsyncStream<Call>.makeStream()
    }

    /// Every launch and update so far.
    var history: [Call] { recorded.withLock { $0 } }

    private func note(_ call: Call) {
        recorded.withLock { $0.append(call) }
        continuation.yield(call)
    }

    var isolation: ContainerIsolation { inner.isolation }

    func launch(_ spec: ContainerSpec) async throws(ContainerizerError) -> ContainerHandle {
        note(.launch(spec.id, spec.resources))
        return try await inner.launch(spec)
    }

    func update(_ id: ContainerID, resources: ContainerResources) async throws(ContainerizerError) {
        if refuseUpdates { throw .invalidSpec(reason: "1 GPUs requested, 0 free on this host") }
        try await inner.update(id, resources: resources)
        note(.update(id, resources))
    }

    func wait(_ id: ContainerID) async throws -> ContainerTermination {
        var termination = try await inner.wait(id)
        if exitsAreOOMKills { termination.limitation = .memory(limitBytes: 96 << 20) }
        return termination
    }

    func kill(_ id: ContainerID, grace: Duration) async throws(ContainerizerError) -> ContainerTermination {
        try await inner.kill(id, grace: grace)
    }

    func usage(_ id: ContainerID) async throws(ContainerizerError) -> ResourceUsage { try await inner.usage(id) }

    func destroy(_ id: ContainerID, removeSandbox: Bool) async throws(ContainerizerError) -> ContainerTermination {
        try await inner.destroy(id, removeSandbox: removeSandbox)
    }

    func containers() async -> [ContainerID] { await inner.containers() }
}

/// Hands every offer to the test and reports every status update.
actor OfferQueue: Scheduler {
    let offers: AsyncStream<Offer>.Continuation
    let events: AsyncStream<FrameworkEvent>.Continuation

    init(offers: AsyncStream<Offer>.Continuation, events: AsyncStream<FrameworkEvent>.Continuation) {
        self.offers = offers
        self.events = events
    }

    func resourceOffers(_ driver: SchedulerDriver, offers: [Offer]) async {
        for offer in offers { self.offers.yield(offer) }
    }

    func statusUpdate(_ driver: SchedulerDriver, status: TaskStatus) async { events.yield(.update(status)) }
}

/// A custom executor's container holds the executor and its live tasks (Mesos' executor container): it is launched
/// with the executor's resources plus its first tasks', grows before a later task is handed to the executor, and
/// shrinks when a task ends.
@Suite("Executor container resources (keel-executor as a separate process)")
struct ExecutorContainerResourcesTests {
    struct Harness {
        let cluster: LocalCluster
        let containerizer: RecordingContainerizer
        let driver: SchedulerDriver
        let reader: EventReader
        var offers: AsyncStream<Offer>.Iterator
        let executor: ExecutorInfo

        init(refuseUpdates: Bool = false, exitsAreOOMKills: Bool = false, executorResources: String = "cpus:0.1;mem:32")
            async throws {
            var configuration = LocalCluster.Configuration()
            configuration.network = .tcp
            configuration.agents = 1
            let made = Mutex<RecordingContainerizer?>(nil)
            configuration.makeContainerizer = { _, agent in
                let containerizer = RecordingContainerizer(workDirectory: agent.workDirectory, refuseUpdates: refuseUpdates,
                                                           exitsAreOOMKills: exitsAreOOMKills)
                made.withLock { $0 = containerizer }
                return containerizer
            }
            cluster = try await LocalCluster.start(configuration)
            containerizer = try #require(made.withLock { $0 })
            executor = ExecutorInfo(executorID: ExecutorID("exec"), name: "exec",
                                    kind: .custom(CommandInfo(.argv([referenceExecutorPath]))),
                                    resources: try Resources.parse(executorResources))
            let (offerStream, offerContinuation) = AsyncStream<Offer>.makeStream()
            let (eventStream, eventContinuation) = AsyncStream<FrameworkEvent>.makeStream()
            reader = EventReader(eventStream)
            offers = offerStream.makeAsyncIterator()
            driver = try await cluster.startFramework(
                FrameworkInfo(name: "resources"), scheduler: OfferQueue(offers: offerContinuation, events: eventContinuation))
        }

        /// Launches one task of the executor on the next offer.
        mutating func launch(_ taskID: String, _ resources: String, _ command: String) async throws {
            let offer = try #require(await offers.next())
            let task = TaskInfo(name: taskID, taskID: TaskID(taskID), agentID: offer.agentID,
                                resources: try Resources.parse(resources), executor: executor, data: Array(command.utf8))
            // What the task leaves of the offer comes back at once, for the next launch.
            try await driver.launch([task], on: [offer.id], filters: Filters(refuseSeconds: 0))
        }

        func stop() async {
            await driver.stop()
            await cluster.shutdown()
        }

        /// Runs `body` with a harness and stops it afterwards, also when `body` threw.
        static func with(_ harness: Harness, _ body: (inout Harness) async throws -> Void) async throws {
            var harness = harness
            do { try await body(&harness) } catch {
                await harness.stop()
                throw error
            }
            await harness.stop()
        }
    }

    static func resources(cpus: Double, mebibytes: UInt64) -> ContainerResources {
        ContainerResources(cpus: cpus, memoryBytes: mebibytes << 20)
    }

    @Test(.timeLimit(.minutes(1)))
    func theExecutorContainerGrowsBeforeATaskJoinsAndShrinksWhenItEnds() async throws {
        try await Harness.with(try await Harness()) { harness in
            try await harness.launch("t0", "cpus:0.5;mem:64", "sleep 30")
            _ = try await harness.reader.state("t0", .running)
            guard case .launch(let container, let launched)? = harness.containerizer.history.first else {
                Issue.record("no launch recorded: \(harness.containerizer.history)")
                return
            }
            #expect(launched == Self.resources(cpus: 0.6, mebibytes: 96))

            var calls = harness.containerizer.calls.makeAsyncIterator()
            _ = await calls.next()  // the launch
            try await harness.launch("t1", "cpus:0.25;mem:16", "sleep 0.2")
            _ = try await harness.reader.state("t1", .running)
            // The executor heard of t1 only after its container had grown to hold it.
            let grown = RecordingContainerizer.Call.update(container, Self.resources(cpus: 0.85, mebibytes: 112))
            #expect(harness.containerizer.history.dropFirst().first == grown)
            #expect(await calls.next() == grown)

            _ = try await harness.reader.state("t1", .finished)
            #expect(await calls.next() == .update(container, Self.resources(cpus: 0.6, mebibytes: 96)))
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func anExecutorWithoutMemoryKeepsItsLastLimitRatherThanBecomingUnlimited() async throws {
        try await Harness.with(try await Harness(executorResources: "cpus:0.1")) { harness in
            try await harness.launch("t0", "cpus:0.5;mem:64", "sleep 0.2")
            _ = try await harness.reader.state("t0", .finished)
            var calls = harness.containerizer.calls.makeAsyncIterator()
            guard case .launch(let container, let launched)? = await calls.next() else {
                Issue.record("no launch recorded")
                return
            }
            #expect(launched == Self.resources(cpus: 0.6, mebibytes: 64))
            #expect(await calls.next() == .update(container, Self.resources(cpus: 0.1, mebibytes: 64)))
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func aTaskTheContainerCannotGrowForFailsAndTheOthersRunOn() async throws {
        try await Harness.with(try await Harness(refuseUpdates: true)) { harness in
            try await harness.launch("t0", "cpus:0.5;mem:64", "sleep 30")
            _ = try await harness.reader.state("t0", .running)
            try await harness.launch("t1", "cpus:0.25;mem:16", "true")
            let failed = try await harness.reader.state("t1", .failed)
            #expect(failed.reason == .containerUpdateFailed)
            #expect(failed.message?.contains("0 free on this host") == true, "\(failed.message ?? "")")
            // t0 still runs in the executor: a kill reaches it.
            try await harness.driver.kill(TaskID("t0"), agentID: try #require(failed.agentID))
            _ = try await harness.reader.state("t0", .killed)
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func tasksOfAnExecutorKilledForMemoryFailWithTheMemoryLimitation() async throws {
        try await Harness.with(try await Harness(exitsAreOOMKills: true)) { harness in
            try await harness.launch("t0", "cpus:0.5;mem:64", "sleep 30")
            _ = try await harness.reader.state("t0", .running)
            // Stands in for the kernel's OOM kill of the executor's container.
            try await harness.launch("t1", "cpus:0.1;mem:16", "kill -9 $PPID")
            let failed = try await harness.reader.state("t0", .failed)
            #expect(failed.reason == .containerLimitationMemory)
        }
    }
}
