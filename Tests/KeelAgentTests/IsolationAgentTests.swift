import Foundation
import KeelAgent
import KeelCore
import KeelIsolation
import KeelProtocol
import Testing

/// Whether the agent can run Linux isolation here (root, cgroups, keel-launcher next to the tests).
private let linuxIsolationAvailable: Bool = {
    let launcher = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        .appendingPathComponent("keel-launcher").path
    let available = geteuid() == 0 && LinuxContainerizer.detectHierarchy() != nil && access(launcher, X_OK) == 0
    if !available { print("SKIPPED agent Linux isolation test: not root, no cgroups, or no keel-launcher") }
    return available
}()

@Suite("Agent with Linux isolation", .serialized, .enabled(if: linuxIsolationAvailable, "needs root and cgroups"))
struct IsolationAgentTests {
    @Test func outOfMemoryTaskFailsWithTheMemoryLimitationReason() async throws {
        let cluster = try await Cluster { $0.isolation = .linux }
        defer { Task { await cluster.stop() } }
        guard case .registered(let request) = try await cluster.log.next("a registration", where: { event in
            if case .registered = event { return true }
            return false
        }) else { throw TimedOut(waitingFor: "a registration") }
        #expect(request.agent.attributes["keel.isolation"]?.description == "linux")
        var task = try cluster.task("oom", .shell("head -c 300m /dev/zero | tail"))
        task.resources = try Resources.parse("cpus:0.1;mem:64")
        try await cluster.run(task)
        let terminal = try await cluster.nextUpdate("oom", "a terminal update") { $0.status.state.isTerminal }
        #expect(terminal.status.state == .failed)
        #expect(terminal.status.reason == .containerLimitationMemory)
        #expect(terminal.status.message?.contains("memory limit of 64 MiB") == true, "\(terminal.status.message ?? "")")
    }
}
