@testable import KeelActors
import KeelLog
import Synchronization
import Testing

/// An actor on an event loop's serial executor with a check-then-wait pattern: a waiter appended after `open()`
/// drained the list would never be resumed if two jobs of the actor ever ran interleaved.
actor LoopGate {
    let loop: EventLoop
    private var isOpen = false
    private var waiters: [CheckedContinuation<Bool, Never>] = []

    nonisolated var unownedExecutor: UnownedSerialExecutor { loop.serialExecutor.asUnownedSerialExecutor() }

    init(loop: EventLoop) { self.loop = loop }

    /// Returns once open; `true` when every piece of this actor's code it ran was on the loop thread.
    func passed() async -> Bool {
        let here = loop.inEventLoop
        if isOpen { return here }
        let resumedOnLoop = await withCheckedContinuation { waiters.append($0) }
        return here && resumedOnLoop && loop.inEventLoop
    }

    func open() {
        isOpen = true
        for waiter in waiters { waiter.resume(returning: loop.inEventLoop) }
        waiters.removeAll()
    }
}

final class Counter: Sendable {
    let value = Atomic<Int>(0)
}

@Suite struct LoopSerialExecutorTests {
    /// Regression: with the jobs run as `runSynchronously(isolatedTo:taskExecutor:)`, thousands of agents sharing
    /// one loop stalled — a registration waiter appended after it had been drained. Every waiter must be resumed,
    /// and every line of the actors' code must run on the loop thread.
    @Test(.timeLimit(.minutes(1)))
    func thousandsOfActorsSharingALoopKeepTheirIsolation() async throws {
        let loop = try EventLoop(name: "gates", logger: Logger(label: "test", level: .warning))
        let gates = (0..<3_000).map { _ in LoopGate(loop: loop) }
        let onLoop = Counter()
        await withTaskGroup(of: Void.self) { group in
            for gate in gates {
                // Waiters come from the pool, openers from tasks that prefer the loop: both paths into the executor.
                group.addTask { if await gate.passed() { onLoop.value.add(1, ordering: .relaxed) } }
                group.addTask(executorPreference: loop) { await gate.open() }
            }
        }
        #expect(onLoop.value.load(ordering: .relaxed) == gates.count)
        loop.shutdown()
        await loop.waitForShutdown()
    }

    /// A task that yields over and over on a loop never lets the loop's own job queue run dry; the jobs already run
    /// must still be dropped, or the queue grows by one entry per hop for as long as the loop stays busy.
    @Test(.timeLimit(.minutes(1)))
    func aLoopThatNeverRunsDryKeepsItsJobQueueBounded() async throws {
        let loop = try EventLoop(name: "hops", logger: Logger(label: "test", level: .warning))
        defer { loop.shutdown() }
        let stored = try await Task(executorPreference: loop) { () -> [Int] in
            var stored: [Int] = []
            for hop in 1...50_000 {
                await Task.yield()
                if hop % 10_000 == 0 { stored.append(loop.localJobsStored) }
            }
            return stored
        }.value
        #expect(stored.count == 5)
        #expect(stored.allSatisfy { $0 <= 2 * EventLoop.localJobsCompactionThreshold + 256 }, "queue entries: \(stored)")
    }
}
