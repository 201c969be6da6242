import KeelActors
import KeelCore
import KeelFramework
import KeelProtocol
import KeelTesting
import Testing

/// Launches one long task per offer (declining the rest at once, so the allocator decides every slot) and
/// reports each RUNNING task.
actor GreedyScheduler: Scheduler {
    let name: String
    let running: AsyncStream<String>.Continuation
    let gate: Gate
    private var launched = 0

    init(name: String, running: AsyncStream<String>.Continuation, gate: Gate) {
        self.name = name
        self.running = running
        self.gate = gate
    }

    func resourceOffers(_ driver: SchedulerDriver, offers: [Offer]) async {
        // Hold the first offer until every framework has subscribed, so the race starts fair.
        await gate.passed()
        guard let offer = offers.first, let slot = try? Resources.parse("cpus:0.5;mem:64"),
              offer.resources.contains(slot) else {
            // No room for a slot (the CPUs are taken): what is left is useless to this framework.
            try? await driver.decline(offers.map(\.id), filters: Filters(refuseSeconds: 3600))
            return
        }
        launched += 1
        let task = TaskInfo(name: "\(name)-\(launched)", taskID: TaskID("\(name)-\(launched)"), agentID: offer.agentID,
                            resources: slot, command: CommandInfo(.shell("sleep 60")))
        try? await driver.launch([task], on: [offer.id], filters: Filters(refuseSeconds: 0))
        try? await driver.decline(offers.dropFirst().map(\.id), filters: Filters(refuseSeconds: 0))
    }

    func statusUpdate(_ driver: SchedulerDriver, status: TaskStatus) async {
        if status.state == .running { running.yield(name) }
    }
}

/// Opens once; waiters suspend until then.
actor Gate {
    private var isOpen = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func open() {
        isOpen = true
        for waiter in waiters { waiter.resume() }
        waiters.removeAll()
    }

    func passed() async {
        if isOpen { return }
        await withCheckedContinuation { waiters.append($0) }
    }
}

@Suite("Fair sharing across frameworks")
struct FairShareTests {
    /// Two frameworks with equal weights that each want the whole cluster end with equal dominant shares: the
    /// allocator hands each free slot to the one with the lower share.
    @Test(.timeLimit(.minutes(1)), arguments: [LocalCluster.Network.memory, .tcp])
    func equalWeightsConvergeToEqualDominantShares(_ network: LocalCluster.Network) async throws {
        var configuration = LocalCluster.Configuration()
        configuration.network = network
        // One agent: each offer is everything left, so exactly one framework holds an offer at a time and every
        // slot goes to whichever has the lower dominant share.
        configuration.agents = 1
        configuration.agentResources = "cpus:4;mem:2048"
        let cluster = try await LocalCluster.start(configuration)
        let (running, continuation) = AsyncStream<String>.makeStream()
        let gate = Gate()
        let a = try await cluster.startFramework(FrameworkInfo(name: "a"),
                                                 scheduler: GreedyScheduler(name: "a", running: continuation, gate: gate))
        let b = try await cluster.startFramework(FrameworkInfo(name: "b"),
                                                 scheduler: GreedyScheduler(name: "b", running: continuation, gate: gate))
        await gate.open()
        // 4 cpus hold 8 slots of 0.5 cpus.
        var counts: [String: Int] = [:]
        for await name in running {
            counts[name, default: 0] += 1
            if counts.values.reduce(0, +) == 8 { break }
        }
        #expect(counts == ["a": 4, "b": 4])
        // The master agrees: each framework's running tasks hold half the cluster's CPUs (its dominant share).
        let half = try Resources.parse("cpus:2;mem:256")
        for driver in [a, b] {
            let id = try #require(await driver.frameworkID)
            let tasks = try await cluster.master.tasks(frameworkID: id).filter { $0.state == .running }
            #expect(tasks.reduce(Resources()) { $0 + $1.resources } == half)
        }
        await a.stop()
        await b.stop()
        await cluster.shutdown()
    }
}
