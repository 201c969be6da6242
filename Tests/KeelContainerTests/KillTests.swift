import Foundation
@testable import KeelContainer
import Testing

@Suite struct KillTests {
    /// The leader and its child ignore SIGTERM; after the grace period both get SIGKILL through the process group.
    @Test func stubbornGroupIsKilledAfterTheGracePeriod() async throws {
        let fixture = try Fixture()
        defer { fixture.cleanUp() }
        let id = try ContainerID("stubborn")
        let handle = try await fixture.containerizer.launch(ContainerSpec(
            id: id, command: .shell("trap '' TERM; sleep 100 & echo $! > child.tmp && mv child.tmp child; wait")))
        let childFile = handle.sandboxDirectory + "/child"
        try await eventually("the task wrote its child's pid") { !contents(childFile).isEmpty }
        let child = try #require(pid_t(contents(childFile).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(try #require(ProcFiles.Stat(pid: child)).processGroup == handle.pid)

        let grace = Duration.milliseconds(300)
        let started = ContinuousClock.now
        let termination = try await fixture.containerizer.kill(id, grace: grace)
        #expect(ContinuousClock.now - started >= grace)
        #expect(termination.status == .signaled(signal: SIGKILL, coreDumped: false))
        #expect(termination.killed)
        try await eventually("the child in the same process group died") { isDead(child) }
        // Idempotent: a second kill reports the same termination at once.
        #expect(try await fixture.containerizer.kill(id, grace: .seconds(60)) == termination)
    }

    @Test func cooperativeTaskEndsBySigtermWithinTheGrace() async throws {
        let fixture = try Fixture()
        defer { fixture.cleanUp() }
        let id = try ContainerID("polite")
        _ = try await fixture.containerizer.launch(ContainerSpec(id: id, command: .shell("sleep 100; echo never")))
        let started = ContinuousClock.now
        let termination = try await fixture.containerizer.kill(id, grace: .seconds(60))
        #expect(ContinuousClock.now - started < .seconds(30))
        #expect(termination.status == .signaled(signal: SIGTERM, coreDumped: false))
        #expect(termination.killed)
        #expect(try await fixture.containerizer.wait(id) == termination)
    }

    @Test func destroyKillsAtOnceForgetsAndRemovesTheSandbox() async throws {
        let fixture = try Fixture()
        defer { fixture.cleanUp() }
        let id = try ContainerID("doomed")
        let handle = try await fixture.containerizer.launch(ContainerSpec(id: id, command: .shell("trap '' TERM; sleep 100")))
        async let waited = fixture.containerizer.wait(id)
        let termination = try await fixture.containerizer.destroy(id, removeSandbox: true)
        #expect(termination.signal == SIGKILL && termination.killed)
        #expect(try await waited == termination)
        #expect(!FileManager.default.fileExists(atPath: handle.sandboxDirectory))
        #expect(await fixture.containerizer.containers().isEmpty)
        await #expect(throws: ContainerizerError.unknownContainer("doomed")) { _ = try await fixture.containerizer.wait(id) }
        await #expect(throws: ContainerizerError.unknownContainer("doomed")) {
            _ = try await fixture.containerizer.kill(id, grace: .zero)
        }
        #expect(!isOurZombie(handle.pid))
    }

    @Test func cancellingAWaitLeavesTheContainerRunning() async throws {
        let fixture = try Fixture()
        defer { fixture.cleanUp() }
        let id = try ContainerID("cancel")
        _ = try await fixture.containerizer.launch(ContainerSpec(id: id, command: .shell("sleep 100")))
        let waiter = Task { try await fixture.containerizer.wait(id) }
        waiter.cancel()
        await #expect(throws: CancellationError.self) { _ = try await waiter.value }
        #expect(try await fixture.containerizer.usage(id).processes >= 1)
        let termination = try await fixture.containerizer.kill(id, grace: .seconds(10))
        #expect(termination.killed)
    }
}
