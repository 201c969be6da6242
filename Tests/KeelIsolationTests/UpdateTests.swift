import Foundation
import KeelContainer
@testable import KeelIsolation
import Testing

/// `LinuxContainerizer.update` on real cgroups: what a custom executor's container goes through as tasks join and
/// end. Each test fails if the update it names is not enforced.
/// The files read are v1's (v2's update writes are unit-tested in `PolicyTests`).
@Suite(.enabled(if: LinuxFixture.available && LinuxFixture.cgroupV1, "needs root, cgroup v1 and keel-launcher"))
struct UpdateTests {
    /// A shell line that waits (inside the container) until the test creates `go` in the sandbox, then runs `then`.
    static func afterGo(_ then: String) -> String { "while [ ! -e go ]; do sleep 0.01; done; " + then }

    /// Runs `body`, then removes what the fixture made, also when `body` threw.
    static func withFixture(_ fixture: LinuxFixture, _ body: () async throws -> Void) async throws {
        do { try await body() } catch {
            await fixture.cleanUp()
            throw error
        }
        await fixture.cleanUp()
    }

    @Test func aContainerGivenMoreMemoryUsesItWithoutAnOOMKill() async throws {
        let fixture = try LinuxFixture(hardCPUQuota: true)
        try await Self.withFixture(fixture) {
            let id = try ContainerID("grow")
            // 100 MiB held by tail, launched under 64 MiB: an OOM kill unless the update lands first.
            let handle = try await fixture.containerizer.launch(ContainerSpec(
                id: id, command: .shell(Self.afterGo("head -c 100m /dev/zero | tail | wc -c")),
                resources: ContainerResources(cpus: 0.5, memoryBytes: 64 << 20, pids: 32)))
            try await fixture.containerizer.update(id, resources: ContainerResources(cpus: 2, memoryBytes: 256 << 20, pids: 64))
            #expect(fixture.cgroupFile("grow", controller: "memory", "memory.limit_in_bytes") == "\(256 << 20)\n")
            #expect(fixture.cgroupFile("grow", controller: "cpu", "cpu.cfs_quota_us") == "200000\n")
            #expect(fixture.cgroupFile("grow", controller: "cpu", "cpu.shares") == "2048\n")
            #expect(fixture.cgroupFile("grow", controller: "pids", "pids.max") == "64\n")
            FileManager.default.createFile(atPath: handle.sandboxDirectory + "/go", contents: nil)
            let termination = try await fixture.containerizer.wait(id)
            #expect(termination.succeeded, "\(termination)")
            #expect(termination.limitation == nil)
            #expect(fixture.output(handle).trimmingCharacters(in: .whitespacesAndNewlines) == "\(100 << 20)")
            // An ended container takes an update and changes nothing; an unknown one is an error.
            try await fixture.containerizer.update(id, resources: ContainerResources(memoryBytes: 1 << 20))
            #expect(fixture.cgroupFile("grow", controller: "memory", "memory.limit_in_bytes") == "\(256 << 20)\n")
            await #expect(throws: ContainerizerError.unknownContainer("nope")) {
                try await fixture.containerizer.update(try ContainerID("nope"), resources: ContainerResources())
            }
        }
    }

    @Test func loweringMemoryBelowWhatTheContainerHoldsKillsNothingAndTheLimitFollowsOnceItFits() async throws {
        let fixture = try LinuxFixture()
        try await Self.withFixture(fixture) {
            let id = try ContainerID("shrink")
            // perl holds 100 MiB (building the string takes twice that for a moment) until the test lets it go: then
            // it becomes `sleep`, which holds nearly nothing.
            let handle = try await fixture.containerizer.launch(ContainerSpec(
                id: id, command: .shell("perl -e '$x = \"a\" x (100 << 20); open(F, \">held\"); close F; "
                                        + "select(undef, undef, undef, 0.01) until -e \"go\"; exec \"sleep\", \"600\"'"),
                resources: ContainerResources(memoryBytes: 512 << 20)))
            try await eventually("perl holds its memory", within: 60) { FileManager.default.fileExists(atPath: handle.sandboxDirectory + "/held") }

            try await fixture.containerizer.update(id, resources: ContainerResources(memoryBytes: 64 << 20))
            let usage = try await fixture.containerizer.usage(id)
            let heldBytes = try #require(usage.residentBytes > 0 ? usage.residentBytes : nil)
            if heldBytes > 64 << 20 {
                // The kernel could not reclaim down to 64 MiB: the hard limit stays, the soft limit moved, nothing died.
                #expect(fixture.cgroupFile("shrink", controller: "memory", "memory.limit_in_bytes") == "\(512 << 20)\n")
            }
            #expect(fixture.cgroupFile("shrink", controller: "memory", "memory.soft_limit_in_bytes") == "\(64 << 20)\n")
            #expect(CgroupStatistics.oomKills(fixture.cgroupFile("shrink", controller: "memory", "memory.oom_control")) == 0)
            #expect(!CgroupFiles.processes(fixture.containerizer.cgroupPaths("shrink").members).isEmpty)

            // Once the memory is freed, the same update brings the hard limit down.
            FileManager.default.createFile(atPath: handle.sandboxDirectory + "/go", contents: nil)
            try await eventually("perl became sleep", within: 60) {
                try await fixture.containerizer.usage(id).residentBytes < 32 << 20
            }
            try await fixture.containerizer.update(id, resources: ContainerResources(memoryBytes: 64 << 20))
            #expect(fixture.cgroupFile("shrink", controller: "memory", "memory.limit_in_bytes") == "\(64 << 20)\n")
            _ = try await fixture.containerizer.destroy(id, removeSandbox: true)
        }
    }

    @Test func aContainerGivenAGPUMayOpenIt() async throws {
        let fixture = try LinuxFixture()
        guard !fixture.containerizer.gpuIndices.isEmpty else {
            print("SKIPPED GPU update test: no /dev/nvidia<N> device on this host")
            return await fixture.cleanUp()
        }
        try await Self.withFixture(fixture) {
            let id = try ContainerID("gpu-grow")
            let handle = try await fixture.containerizer.launch(ContainerSpec(
                id: id, command: .shell(Self.afterGo(
                    "for d in /dev/nvidia[0-9]*; do head -c 0 $d 2>/dev/null && echo open $d || echo denied $d; done")),
                resources: ContainerResources(gpus: 0)))
            try await fixture.containerizer.update(id, resources: ContainerResources(gpus: 1))
            await #expect(throws: ContainerizerError.self) {
                try await fixture.containerizer.update(id, resources: ContainerResources(gpus: fixture.containerizer.gpuIndices.count + 1))
            }
            FileManager.default.createFile(atPath: handle.sandboxDirectory + "/go", contents: nil)
            _ = try await fixture.containerizer.wait(id)
            let lines = fixture.output(handle).split(separator: "\n")
            #expect(lines.filter { $0.hasPrefix("open") }.count == 1, "\(lines)")
        }
    }
}
