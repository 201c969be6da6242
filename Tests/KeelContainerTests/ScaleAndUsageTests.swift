import Foundation
@testable import KeelContainer
import Testing

@Suite struct ScaleAndUsageTests {
    @Test func twoHundredConcurrentLaunchesAreAllReaped() async throws {
        let fixture = try Fixture()
        defer { fixture.cleanUp() }
        let containerizer = fixture.containerizer
        let results = try await withThrowingTaskGroup(of: (pid_t, ContainerTermination).self) { group in
            for index in 0..<200 {
                group.addTask {
                    let id = try ContainerID("true-\(index)")
                    let handle = try await containerizer.launch(
                        ContainerSpec(id: id, command: .argv(executable: "/bin/true", arguments: [])))
                    let termination = try await containerizer.wait(id)
                    _ = try await containerizer.destroy(id, removeSandbox: true)
                    return (handle.pid, termination)
                }
            }
            var all: [(pid_t, ContainerTermination)] = []
            for try await result in group { all.append(result) }
            return all
        }
        #expect(results.count == 200)
        #expect(results.allSatisfy { $0.1.status == .exited(code: 0) })
        #expect(Set(results.map(\.0)).count == 200)
        #expect(!results.contains { isOurZombie($0.0) })
        #expect(await containerizer.containers().isEmpty)
    }

    @Test func finishedBusyLoopReportsCPU() async throws {
        let fixture = try Fixture()
        defer { fixture.cleanUp() }
        let (handle, termination) = try await fixture.shell(
            "busy", "i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done")
        #expect(termination.succeeded)
        let usage = try #require(termination.usage)
        #expect(usage.totalCPUSeconds > 0)
        #expect((usage.peakResidentBytes ?? 0) > 0)
        #expect(try await fixture.containerizer.usage(handle.id) == usage)
    }

    @Test func runningGroupReportsLiveCPUAndMemory() async throws {
        let fixture = try Fixture()
        defer { fixture.cleanUp() }
        let id = try ContainerID("spin")
        _ = try await fixture.containerizer.launch(ContainerSpec(
            id: id, command: .shell("sleep 100 & while :; do :; done")))
        var sample = try await fixture.containerizer.usage(id)
        try await eventually("CPU time accrues") {
            sample = try await fixture.containerizer.usage(id)
            return sample.totalCPUSeconds > 0
        }
        #expect(sample.residentBytes > 0)
        #expect(sample.processes == 2)
        #expect(sample.peakResidentBytes == nil)
        let termination = try await fixture.containerizer.destroy(id, removeSandbox: true)
        #expect(termination.signal == SIGKILL)
    }

    /// The reaper watches only its own children (pidfds), so a child spawned elsewhere in the process — here by hand,
    /// in the agent perhaps by `Foundation.Process` — is still there for its owner's `waitpid`.
    @Test func childrenOfOthersAreNotStolen() async throws {
        let fixture = try Fixture()
        defer { fixture.cleanUp() }
        let id = try ContainerID("busy-reaper")
        _ = try await fixture.containerizer.launch(ContainerSpec(id: id, command: .shell("sleep 100")))
        let arguments: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/sh"), strdup("-c"), strdup("exit 5"), nil]
        defer { arguments.forEach { free($0) } }
        var pid: pid_t = 0
        #expect(posix_spawn(&pid, "/bin/sh", nil, nil, arguments, nil) == 0)
        var status: Int32 = 0
        var result: pid_t
        repeat { result = waitpid(pid, &status, 0) } while result < 0 && errno == EINTR
        #expect(result == pid)
        #expect(ContainerTermination.status(fromWaitStatus: status) == .exited(code: 5))
        #expect(try await fixture.containerizer.destroy(id, removeSandbox: true).killed)
    }
}
