import KeelActors
import KeelCore
import KeelProtocol
import KeelStorage
import Synchronization
import Testing
@testable import KeelMaster

/// A store whose first append waits until the test opens a gate, so that other appends queue behind it; counts the
/// batches it was given.
final class GatedStore: StateStore {
    let inner = MemoryStateStore()
    let batches = Mutex<[Int]>([])
    private let gate = AsyncStream<Void>.makeStream()
    private let holding = Mutex(true)
    let firstArrived = AsyncStream<Void>.makeStream()

    func open() { gate.continuation.yield(); gate.continuation.finish() }

    func recover() async throws -> RecoveredState { try await inner.recover() }
    func append(_ records: [[UInt8]]) async throws {
        batches.withLock { $0.append(records.count) }
        if holding.withLock({ held in defer { held = false }; return held }) {
            firstArrived.continuation.yield()
            for await _ in gate.stream { break }
        }
        try await inner.append(records)
    }
    func compact(snapshot: [UInt8]) async throws { try await inner.compact(snapshot: snapshot) }
    func close() async { await inner.close() }
}

@Suite struct RegistrarBatchingTests {
    private func admitted(_ index: Int) throws -> RegistrarRecord {
        let id = AgentID("agent-\(index)")
        let info = KeelProtocol.AgentInfo(id: id, hostname: "host-\(index)", resources: try Resources.parse("cpus:1"))
        return .admitted(id, info: info, actor: ActorID(node: NodeID(endpoint: Endpoint(host: "h", port: 1), incarnation: 1), path: "agent-\(index)"))
    }

    /// Appends that arrive while a write is in flight go out together in the next one (group commit): a storm of
    /// registrations costs a durable write per batch. A caller whose records are refused fails alone.
    @Test func appendsQueuedBehindAWriteAreWrittenTogetherAndABadOneFailsAlone() async throws {
        let store = GatedStore()
        let registrar = Registrar(store: store, compactionThreshold: 10_000)
        let first = Task { try await registrar.append([try admitted(0)]) }
        for await _ in store.firstArrived.stream { break }
        // The first write is in flight: 49 registrations and one record about an agent nobody admitted queue behind it.
        let queued = (1..<50).map { index in Task { try await registrar.append([try admitted(index)]) } }
        let bad = Task { try await registrar.append([.unreachable(AgentID("never-admitted"), time: 1)]) }
        // Appends queue on the registrar in call order; wait until all are queued before letting the first through.
        while await registrar.queuedAppendCount < 50 { await Task.yield() }
        store.open()
        try await first.value
        for task in queued { try await task.value }
        await #expect(throws: RegistrarError.self) { try await bad.value }
        #expect(store.batches.withLock { $0 } == [1, 49], "one write for the first, one for everything queued behind it")
        #expect(await registrar.appendBatches == 2)
        let registry = await registrar.registry
        for index in 0..<50 { #expect(registry[AgentID("agent-\(index)")]?.status == .admitted) }
        // Durable: what the store holds decodes to the same registry.
        #expect(try RegistrarCodec.registry(from: try await store.recover()) == registry)
    }

    /// A snapshot waits for at least as many records as the registry holds: 1,000 registrations one by one with a
    /// threshold of 10 compact at 10, 20, 40, … entries (7 snapshots, under 2,000 entries written in all), not every
    /// 10 records (100 snapshots, ~50,000 entries), and the store still recovers every agent.
    @Test func snapshotsGrowWithTheRegistrySoTheirCostStaysLinear() async throws {
        let store = MemoryStateStore()
        let registrar = Registrar(store: store, compactionThreshold: 10)
        var snapshotEntries = 0, compactions = 0
        for index in 0..<1_000 {
            try await registrar.append([try admitted(index)])
            let now = await registrar.compactions
            if now > compactions {
                compactions = now
                snapshotEntries += await registrar.registry.entryCount
            }
        }
        #expect(compactions == 7, "snapshots at 10, 20, 40, 80, 160, 320 and 640 agents")
        #expect(snapshotEntries == 1_270)
        let registry = await registrar.registry
        #expect(registry.entryCount == 1_000)
        let recovered = try await store.recover()
        #expect(recovered.records.count == 360, "records since the snapshot at 640 agents")
        #expect(try RegistrarCodec.registry(from: recovered) == registry)
    }
}

