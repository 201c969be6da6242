// Embedding Keel's actor runtime: a node is one `KeelActorSystem`; actors are Swift
// `distributed actor`s; peers find well-known actors by name and endpoint.
import Distributed
import KeelActors

/// A service of our own, declared once and used by both sides through the `$Counter` stub.
@Resolvable
protocol Counter: DistributedActor where ActorSystem == KeelActorSystem {
    distributed func add(_ amount: Int) -> Int
}

distributed actor CounterActor: Counter {
    typealias ActorSystem = KeelActorSystem
    private var total = 0
    distributed func add(_ amount: Int) -> Int {
        total += amount
        return total
    }
}

// Node A hosts the counter under a well-known name.
let nodeA = try KeelActorSystem(ActorSystemConfiguration(name: "a"))
let counter = try nodeA.makeActor(named: "counter") { CounterActor(actorSystem: nodeA) }

// Node B knows only A's address.
let nodeB = try KeelActorSystem(ActorSystemConfiguration(name: "b"))
let remote = try await nodeB.resolve($Counter.self, named: "counter", at: nodeA.endpoint)
for amount in 1...3 {
    print("add(\(amount)) → \(try await remote.add(amount))")
}

// Watch it, and see node A go away.
let watch = Task { await nodeB.termination(of: remote.id) }
await nodeA.shutdown()
print(await watch.value.map { "\($0)" } ?? "watch cancelled")
_ = counter.id
await nodeB.shutdown()
