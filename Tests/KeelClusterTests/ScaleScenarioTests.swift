import KeelContainer
import KeelCore
import KeelTesting
import Testing

/// Keeps `keel-bench scale`'s machinery honest: the same scenario at a tiny size.
@Suite("Scale scenario")
struct ScaleScenarioTests {
    @Test func tinyScenarioRunsTasksToFinishedAndReturnsResources() async throws {
        var configuration = ScaleScenario.Configuration()
        configuration.agents = 50
        configuration.frameworks = 3
        configuration.tasksPerFramework = 2
        configuration.timeCompression = 1_000  // 30 s ± 10 s → 20–40 ms
        configuration.warmUp = .milliseconds(100)
        configuration.duration = .milliseconds(600)
        configuration.master.allocationInterval = .milliseconds(50)
        let result = try await ScaleScenario.run(configuration)
        #expect(result.agents == 50 && result.frameworks == 3)
        #expect(result.failures.isEmpty, "\(result.failures)")
        #expect(result.reachedRunning >= 6 && result.finished == result.reachedRunning)
        #expect(!result.overheadsMilliseconds.isEmpty)
        #expect(result.resourcesReturned)
    }
}

@Suite("Fake containerizer")
struct FakeContainerizerTests {
    @Test func sleepEndsAfterItsCompressedDurationAndKillEndsAtOnce() async throws {
        let fake = FakeContainerizer(timeCompression: 1_000)
        let sleeper = try ContainerID("sleeper")
        _ = try await fake.launch(ContainerSpec(id: sleeper, command: .argv(executable: "sleep", arguments: ["0.05"])))
        #expect(try await fake.wait(sleeper).succeeded)
        let failing = try ContainerID("failing")
        _ = try await fake.launch(ContainerSpec(id: failing, command: .shell("exit 3")))
        #expect(try await fake.wait(failing).exitCode == 3)
        let forever = try ContainerID("forever")
        let stuck = FakeContainerizer { _ in .runUntilKilled }
        _ = try await stuck.launch(ContainerSpec(id: forever, command: .shell("anything")))
        #expect(stuck.runningCount == 1)
        let killed = try await stuck.kill(forever, grace: .seconds(5))
        #expect(killed.killed && killed.signal == 15 && stuck.runningCount == 0)
        _ = try await stuck.destroy(forever, removeSandbox: true)
        #expect(await stuck.containers().isEmpty)
        await #expect(throws: ContainerizerError.unknownContainer("forever")) { try await stuck.wait(forever) }
    }

    @Test func updatesAreRecordedWhileTheContainerRuns() async throws {
        let fake = FakeContainerizer { _ in .runUntilKilled }
        let id = try ContainerID("executor")
        let small = ContainerResources(cpus: 0.5), big = ContainerResources(cpus: 2, memoryBytes: 1 << 30)
        _ = try await fake.launch(ContainerSpec(id: id, command: .shell("anything"), resources: small))
        try await fake.update(id, resources: big)
        #expect(fake.resourceHistory(of: id) == [small, big])
        _ = try await fake.kill(id, grace: .zero)
        try await fake.update(id, resources: small)  // ended: taken, not recorded
        #expect(fake.resourceHistory(of: id) == [small, big])
        await #expect(throws: ContainerizerError.unknownContainer("nope")) {
            try await fake.update(try ContainerID("nope"), resources: small)
        }
    }
}
