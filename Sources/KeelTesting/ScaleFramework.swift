import Foundation
import KeelCore
import KeelFramework
import KeelProtocol

/// One framework of ``ScaleScenario``: keeps up to `concurrency` tasks in flight, each a `sleep` of a random
/// duration (run by the agents' ``FakeContainerizer``), launched one per offer. It keeps every offer it gets (as
/// greedy frameworks do) and launches on the oldest; what an accept leaves unused goes back with no refuse filter,
/// so the master offers it again at once. Declining instead would make each of 50,000 agents tour up to 200
/// frameworks before anyone used it. For every launch it records the time from its accept call to the task's
/// RUNNING update arriving (the launch overhead).
actor ScaleFramework: Scheduler {
    struct Settings: Sendable {
        var concurrency: Int
        var taskResources: Resources
        /// Task durations in uncompressed seconds: uniform in `mean ± spread`.
        var meanSeconds: Double
        var spreadSeconds: Double
        var seed: UInt64
    }

    let settings: Settings
    private var random: SplitMix64
    private var held: [Offer] = []
    private var launching = 0
    private var live: [TaskID: UInt64] = [:]
    private var acceptedAt: [TaskID: UInt64] = [:]
    private var nextTask = 0
    private var stopped = false
    private(set) var overheadsMilliseconds: [Double] = []
    private(set) var reachedRunning = 0
    private(set) var finished = 0
    private(set) var failed: [String] = []
    /// Offers received / offer calls (batches) received.
    private(set) var offersReceived = 0
    private(set) var offerCalls = 0
    private var drainedWaiter: CheckedContinuation<Void, Never>?

    init(settings: Settings) {
        self.settings = settings
        random = SplitMix64(seed: settings.seed)
    }

    /// Stops launching; returns once no task of this framework is in flight.
    func drain() async {
        stopped = true
        if launching == 0 && live.isEmpty { return }
        await withCheckedContinuation { drainedWaiter = $0 }
    }

    /// Forgets the overheads measured so far (after the warm-up).
    func resetMeasurements() { overheadsMilliseconds.removeAll() }

    /// The offers it holds, declined now (so their resources go back to the allocator).
    func releaseOffers(_ driver: SchedulerDriver) async {
        let ids = held.map(\.id)
        held.removeAll()
        if !ids.isEmpty { try? await driver.decline(ids, filters: Filters(refuseSeconds: 3_600)) }
    }

    func resourceOffers(_ driver: SchedulerDriver, offers: [Offer]) async {
        offersReceived += offers.count
        offerCalls += 1
        if stopped {
            // Draining: keep them away for the rest of the run (a zero filter would bounce them between frameworks).
            try? await driver.decline(offers.map(\.id), filters: Filters(refuseSeconds: 3_600))
            return
        }
        held.append(contentsOf: offers)
        await launchWhilePossible(driver)
    }

    func offerRescinded(_ driver: SchedulerDriver, offerID: OfferID) async {
        held.removeAll { $0.id == offerID }
    }

    func statusUpdate(_ driver: SchedulerDriver, status: TaskStatus) async {
        let now = ScaleScenario.now()
        switch status.state {
        case .running:
            guard let start = acceptedAt.removeValue(forKey: status.taskID) else { return }
            overheadsMilliseconds.append(Double(now - start) / 1e6)
            reachedRunning += 1
        case _ where status.state.isTerminal:
            guard live.removeValue(forKey: status.taskID) != nil else { return }
            acceptedAt[status.taskID] = nil
            if status.state == .finished { finished += 1 } else {
                failed.append("\(status.taskID) \(status.state) \(status.message ?? "")")
            }
            resumeIfDrained()
            await launchWhilePossible(driver)
        default:
            return
        }
    }

    private func launchWhilePossible(_ driver: SchedulerDriver) async {
        while !stopped, live.count + launching < settings.concurrency, !held.isEmpty {
            let offer = held.removeFirst()
            guard offer.resources.contains(settings.taskResources) else {
                try? await driver.decline([offer.id], filters: Filters(refuseSeconds: 60))
                continue
            }
            nextTask += 1
            let id = TaskID("task-\(nextTask)")
            let fraction = Double(random.next() >> 11) / Double(1 << 53)
            let seconds = settings.meanSeconds + (fraction * 2 - 1) * settings.spreadSeconds
            let task = TaskInfo(name: "sleep", taskID: id, agentID: offer.agentID, resources: settings.taskResources,
                                command: .argv(["sleep", String(format: "%.3f", seconds)]))
            launching += 1
            let start = ScaleScenario.now()
            acceptedAt[id] = start
            live[id] = start
            do { try await driver.launch([task], on: [offer.id], filters: Filters(refuseSeconds: 0)) } catch {
                live[id] = nil
                acceptedAt[id] = nil
                failed.append("launch of \(id) failed: \(error)")
            }
            launching -= 1
            resumeIfDrained()
        }
    }

    private func resumeIfDrained() {
        if stopped, launching == 0, live.isEmpty, let waiter = drainedWaiter {
            drainedWaiter = nil
            waiter.resume()
        }
    }
}
