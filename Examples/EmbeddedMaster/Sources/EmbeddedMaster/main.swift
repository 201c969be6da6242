// Embedding a Keel master in your own service takes the first block below: a node, the master actor under its
// well-known name, its timers. Agents (`keel agent`) and frameworks then reach it at the printed address. The rest
// of this file starts an agent and a one-task framework in the same process to show the master at work.
import Foundation
import KeelActors
import KeelAgent
import KeelCore
import KeelFramework
import KeelMaster
import KeelProtocol

// 1. The master, embedded.
var nodeConfiguration = ActorSystemConfiguration(name: "my-service", host: "127.0.0.1", port: 0, transport: .tcp)
nodeConfiguration.clusterName = "example"
let system = try KeelActorSystem(nodeConfiguration)
KeelProtocol.registerWireTypes(on: system)
var masterConfiguration = MasterConfiguration()
masterConfiguration.allocationInterval = .milliseconds(200)
let master = try system.makeActor(named: "master") { MasterActor(actorSystem: system, configuration: masterConfiguration) }
await master.whenLocal { $0.startTimers() }
print("master listening on \(system.endpoint)")

// 2. An agent on a node of its own (normally another machine running `keel agent`).
var agentNode = nodeConfiguration
agentNode.name = "agent"
let agentSystem = try KeelActorSystem(agentNode)
KeelProtocol.registerWireTypes(on: agentSystem)
let work = FileManager.default.temporaryDirectory.appendingPathComponent("keel-embedded-\(getpid())").path
let agent = AgentActor(actorSystem: agentSystem, configuration: AgentConfiguration(
    master: system.endpoint, workDirectory: work, resources: try Resources.parse("cpus:1;mem:256"), detectResources: false))
await agent.start()
_ = await agent.waitUntilRegistered()

// 3. A framework that runs one command and reports its end.
actor OneTask: Scheduler {
    var launched = false
    let done: AsyncStream<TaskStatus>.Continuation
    init(done: AsyncStream<TaskStatus>.Continuation) { self.done = done }

    func resourceOffers(_ driver: SchedulerDriver, offers: [Offer]) async {
        guard !launched, let offer = offers.first else { return }
        launched = true
        let task = TaskInfo(name: "hello", taskID: TaskID("hello"), agentID: offer.agentID,
                            resources: (try? Resources.parse("cpus:0.1;mem:32")) ?? Resources(),
                            command: CommandInfo(.shell("echo hello from an embedded master")))
        try? await driver.launch([task], on: [offer.id])
    }

    func statusUpdate(_ driver: SchedulerDriver, status: TaskStatus) async {
        print("task \(status.taskID): \(status.state)")
        if status.state.isTerminal { done.yield(status) }
    }
}

var frameworkNode = nodeConfiguration
frameworkNode.name = "framework"
let frameworkSystem = try KeelActorSystem(frameworkNode)
let (done, continuation) = AsyncStream<TaskStatus>.makeStream()
let driver = SchedulerDriver(framework: FrameworkInfo(name: "embedded-demo"), scheduler: OneTask(done: continuation),
                             configuration: SchedulerDriverConfiguration(master: system.endpoint),
                             actorSystem: frameworkSystem)
_ = try await driver.start()
for await _ in done { break }

// The operator API is a call away, locally or from another process (`keel tasks --master <address>`).
for task in try await master.tasks(frameworkID: nil) { print("master records \(task.taskID) as \(task.state)") }

await driver.stop()
await agent.shutdown()
for node in [frameworkSystem, agentSystem, system] { await node.shutdown() }
try? FileManager.default.removeItem(atPath: work)
