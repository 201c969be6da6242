import KeelCore
import KeelFramework
import KeelProtocol

/// The launch benchmark's framework: tasks are submitted into a queue and launched, as many per offer as fit, on the
/// offers it holds. It keeps unused offers rather than declining them, so a task submitted later starts at once
/// (what a latency-minded framework does); what an accept leaves unused goes back with a zero refuse filter, so the
/// master re-offers it immediately instead of after Mesos' default 5 s.
actor LaunchScheduler: Scheduler {
    struct Outcome {
        /// Tasks that ended FINISHED / in another terminal state.
        var finished = 0
        var failed = 0
        /// The first non-FINISHED terminal status, for the error message.
        var firstFailure: String?
    }

    let command: CommandInfo
    let perTask: Resources
    private var held: [Offer] = []
    private var pending: [(id: TaskID, submitted: UInt64)] = []
    private var submittedAt: [TaskID: UInt64] = [:]
    private(set) var outcome = Outcome()
    /// Submit → FINISHED in ms, per task, in completion order.
    private(set) var latencies: [Double] = []
    private var nextTask = 0
    private var target = 0
    private var doneWaiter: CheckedContinuation<Void, Never>?
    private var fenceWaiter: (id: TaskID, continuation: CheckedContinuation<Void, Never>)?
    private var fencesSeen: Set<TaskID> = []

    init(command: CommandInfo, perTask: Resources) {
        self.command = command
        self.perTask = perTask
    }

    /// Queues `count` tasks now, launches what the held offers allow, and returns once every task submitted so far has
    /// reached a terminal state (and the scheduler has returned from that update, after which the driver acknowledges).
    func run(_ count: Int, driver: SchedulerDriver) async {
        let now = Bench.now()
        for _ in 0..<count {
            nextTask += 1
            let id = TaskID("t\(nextTask)")
            pending.append((id, now))
            submittedAt[id] = now
        }
        target += count
        await launchPending(driver)
        if outcome.finished + outcome.failed >= target { return }
        await withCheckedContinuation { doneWaiter = $0 }
    }

    /// Returns once the master has delivered a reconciliation answer for a task it does not know. The master calls a
    /// scheduler one call at a time and each update call returns only after the driver's acknowledgement was answered,
    /// so this proves every earlier update was acknowledged.
    func fence(_ driver: SchedulerDriver) async throws {
        let id = TaskID("fence-\(nextTask)")
        try await driver.reconcile([ReconcileRequest.Task(taskID: id)])
        if fencesSeen.remove(id) != nil { return }
        await withCheckedContinuation { fenceWaiter = (id, $0) }
    }

    func resourceOffers(_ driver: SchedulerDriver, offers: [Offer]) async {
        held.append(contentsOf: offers)
        await launchPending(driver)
    }

    func offerRescinded(_ driver: SchedulerDriver, offerID: OfferID) async {
        held.removeAll { $0.id == offerID }
    }

    func statusUpdate(_ driver: SchedulerDriver, status: TaskStatus) async {
        if status.taskID.value.hasPrefix("fence-") {
            if let fence = fenceWaiter, status.taskID == fence.id {
                fenceWaiter = nil
                fence.continuation.resume()
            } else {
                fencesSeen.insert(status.taskID)
            }
            return
        }
        guard status.state.isTerminal, let submitted = submittedAt.removeValue(forKey: status.taskID) else { return }
        if status.state == .finished {
            outcome.finished += 1
            latencies.append(Double(Bench.now() - submitted) / 1e6)
        } else {
            outcome.failed += 1
            if outcome.firstFailure == nil {
                outcome.firstFailure = "\(status.taskID) \(status.state) \(status.reason.map { "\($0)" } ?? "") \(status.message ?? "")"
            }
        }
        resumeIfDone()
    }

    private func resumeIfDone() {
        if outcome.finished + outcome.failed >= target, let waiter = doneWaiter {
            doneWaiter = nil
            waiter.resume()
        }
    }

    /// Launches queued tasks on held offers, as many per offer as its cpus and mem allow.
    private func launchPending(_ driver: SchedulerDriver) async {
        while !pending.isEmpty, !held.isEmpty {
            let offer = held.removeFirst()
            var used = Resources()
            var tasks: [TaskInfo] = []
            while tasks.count < pending.count, offer.resources.contains(used + perTask) {
                used += perTask
                let id = pending[tasks.count].id
                tasks.append(TaskInfo(name: "true", taskID: id, agentID: offer.agentID, resources: perTask,
                                      command: command))
            }
            guard !tasks.isEmpty else {
                try? await driver.decline([offer.id], filters: Filters(refuseSeconds: 0))
                continue
            }
            pending.removeFirst(tasks.count)
            do { try await driver.launch(tasks, on: [offer.id], filters: Filters(refuseSeconds: 0)) } catch {
                outcome.failed += tasks.count
                outcome.firstFailure = outcome.firstFailure ?? "launch failed: \(error)"
                for task in tasks { submittedAt[task.taskID] = nil }
                resumeIfDone()
            }
        }
    }
}
