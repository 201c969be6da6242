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

    /// `TaskInfo.isolation` reaches the container: `network: none` leaves only `lo`, a host name and a capability
    /// set apply. The same check with the host's network fails (the host has more than `lo`), so it is real.
    @Test func taskIsolationOptionsApplyToTheTasksContainer() async throws {
        let cluster = try await Cluster { $0.isolation = .linux }
        defer { Task { await cluster.stop() } }
        let onlyLoopback = #"test "$(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | tr '\n' ,)" = lo,"#
        let options = #" && test "$(hostname)" = iso-host && grep -q '^CapEff:\s*0000000000002000$' /proc/self/status"#
        var isolated = try cluster.task("no-net", .shell(onlyLoopback + options))
        isolated.isolation = TaskIsolation(capabilities: ["net_raw"], network: .loopbackOnly, hostname: "iso-host")
        try await cluster.run(isolated)
        let terminal = try await cluster.nextUpdate("no-net", "a terminal update") { $0.status.state.isTerminal }
        #expect(terminal.status.state == .finished, "\(terminal.status.message ?? "")")

        let hostInterfaces = ((try? String(contentsOfFile: "/proc/net/dev", encoding: .utf8)) ?? "")
            .split(separator: "\n").dropFirst(2).count
        guard hostInterfaces > 1 else { return }
        var host = try cluster.task("host-net", .shell(onlyLoopback))
        host.isolation = TaskIsolation(network: .host)
        try await cluster.run(host)
        let hostTerminal = try await cluster.nextUpdate("host-net", "a terminal update") { $0.status.state.isTerminal }
        #expect(hostTerminal.status.state == .failed)
    }
}
