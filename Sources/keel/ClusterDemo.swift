import Foundation
import KeelActors
import KeelCore
import KeelFramework
import KeelProtocol
import KeelTesting

/// `keel demo`: a master and two agents on loopback TCP, a framework launching a small workload
/// through offers, and every task state transition printed as it happens.
enum ClusterDemo {
    /// The demo's framework: launches the workload on the first offers and kills the sleeper once it runs.
    actor Workload: Scheduler {
        struct Item {
            var name: String
            var command: String
            var resources: String
        }

        let items = [
            Item(name: "hello", command: "echo hello from a Keel task", resources: "cpus:0.1;mem:32"),
            Item(name: "count", command: "for i in 1 2 3; do echo $i; done", resources: "cpus:0.1;mem:32"),
            Item(name: "fails", command: "echo about to fail >&2; exit 3", resources: "cpus:0.1;mem:32"),
            Item(name: "sleeper", command: "sleep 60", resources: "cpus:0.5;mem:64"),
            Item(name: "too-big", command: "true", resources: "cpus:64;mem:32"),
        ]
        private var pending: [Item]
        private var finished = 0
        private let done: AsyncStream<Void>.Continuation
        private let started = ContinuousClock.now

        init(done: AsyncStream<Void>.Continuation) {
            self.done = done
            self.pending = items
        }

        func resourceOffers(_ driver: SchedulerDriver, offers: [Offer]) async {
            for offer in offers {
                guard !pending.isEmpty else {
                    try? await driver.decline([offer.id], filters: Filters(refuseSeconds: 60))
                    continue
                }
                // Spread the work: at most three tasks per offer.
                let batch = pending.prefix(3)
                pending.removeFirst(batch.count)
                let tasks = batch.compactMap { item -> TaskInfo? in
                    guard let resources = try? Resources.parse(item.resources) else { return nil }
                    return TaskInfo(name: item.name, taskID: TaskID(item.name), agentID: offer.agentID,
                                    resources: resources, command: CommandInfo(.shell(item.command)))
                }
                print("  offer \(offer.id.value) from \(offer.hostname): \(offer.resources) → launching \(batch.map(\.name).joined(separator: ", "))")
                try? await driver.launch(tasks, on: [offer.id])
            }
        }

        func statusUpdate(_ driver: SchedulerDriver, status: TaskStatus) async {
            let elapsed = ContinuousClock.now - started
            let ms = Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
            var line = "  \(String(format: "%6d", ms)) ms  \(status.taskID.value.padding(toLength: 8, withPad: " ", startingAt: 0)) \(status.state)"
            if let reason = status.reason { line += " (\(reason))" }
            if let message = status.message, !message.isEmpty { line += " — \(message)" }
            print(line)
            if status.taskID.value == "sleeper" && status.state == .running {
                print("           killing sleeper")
                try? await driver.kill(status.taskID, agentID: status.agentID)
            }
            if status.state.isTerminal {
                finished += 1
                if finished == items.count { done.yield() }
            }
        }
    }

    static func run() async throws {
        // Keep the transcript readable unless the user asked for more (KEEL_LOG_LEVEL).
        setenv("KEEL_LOG_LEVEL", "warning", 0)
        print("Starting a local Keel cluster: a master and 2 agents on loopback TCP…")
        var configuration = LocalCluster.Configuration()
        configuration.network = .tcp
        configuration.agents = 2
        configuration.agentResources = "cpus:2;mem:1024;disk:1024;ports:[31000-32000]"
        let cluster = try await LocalCluster.start(configuration)
        print("  master at \(cluster.masterSystem.endpoint); agents at \(cluster.agentSystems.map { "\($0.endpoint)" }.joined(separator: ", "))")
        let done = AsyncStream<Void>.makeStream()
        let workload = Workload(done: done.continuation)
        let driver = try await cluster.startFramework(FrameworkInfo(name: "keel-demo"), scheduler: workload)
        if let id = await driver.frameworkID { print("Framework keel-demo subscribed as \(id.value); waiting for offers…") }
        for await _ in done.stream { break }
        print("All tasks reached a terminal state; tearing down.")
        await driver.stop()
        await cluster.shutdown()
    }
}
