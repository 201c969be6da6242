import Foundation
import KeelContainer
@testable import KeelIsolation
import KeelLog
import Testing

/// The launch service (`keel-launcher --serve`): one per containerizer, its containers reported when it dies, a new
/// one started for the next launch, and garbage on its socket answered without harm.
@Suite(.enabled(if: LinuxFixture.available, "needs root, cgroups and keel-launcher"))
struct LaunchServiceTests {
    @Test func oneServiceStartsEveryContainerAndTheTaskIsItsGrandchild() async throws {
        let fixture = try LinuxFixture()
        do {
            let (first, ended) = try await fixture.shell("first", "echo $PPID")
            #expect(ended.succeeded)
            let service = try #require(fixture.containerizer.launchServicePID)
            let (_, again) = try await fixture.shell("second", "true")
            #expect(again.succeeded)
            #expect(fixture.containerizer.launchServicePID == service)
            // In its pid namespace the task's parent is the container's init, pid 1.
            #expect(fixture.output(first) == "1\n")
        }
        await fixture.cleanUp()
    }

    /// A dead service takes its containers with it (their inits die with their parent): each is reported as killed
    /// by SIGKILL rather than waited on forever, and the next launch starts a new service.
    @Test func whenTheServiceDiesItsContainersAreReportedKilledAndTheNextLaunchStartsAnother() async throws {
        let fixture = try LinuxFixture()
        do {
            let id = try ContainerID("sleeper")
            _ = try await fixture.containerizer.launch(ContainerSpec(id: id, command: .argv(executable: "sleep", arguments: ["100"])))
            let service = try #require(fixture.containerizer.launchServicePID)
            #expect(kill(service, SIGKILL) == 0)
            let termination = try await fixture.containerizer.wait(id)
            #expect(termination.status == .signaled(signal: SIGKILL, coreDumped: false))
            _ = try await fixture.containerizer.destroy(id, removeSandbox: true)
            let (_, next) = try await fixture.shell("after", "true")
            #expect(next.succeeded)
            let replacement = try #require(fixture.containerizer.launchServicePID)
            #expect(replacement != service)
            #expect(fixture.leftoverCgroups.allSatisfy { $0.hasSuffix("after") })
        }
        await fixture.cleanUp()
    }

    /// Hostile or broken messages on the control socket: no crash, and a launch with descriptors still gets its
    /// answer (a report on its error channel and EXITED 127), so nobody waits forever.
    @Test func malformedMessagesAreAnsweredAndTheServiceKeepsServing() async throws {
        let fixture = try LinuxFixture()
        do {
            _ = try await fixture.shell("warm", "true")  // starts the service
            let service = try #require(fixture.containerizer.launchService.withLock { $0 })
            var channel: [Int32] = [-1, -1]
            #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &channel) == 0)
            let exited = Exits()
            // argc 0 is refused: the service answers on the channel and with EXITED 127.
            try service.launch(token: 9_999, pidNamespace: true, arguments: [], environment: [],
                               descriptors: (1, 2, channel[1])) { event in exited.record(event) }
            close(channel[1])
            var report = [UInt8](repeating: 0, count: 256)
            let got = report.withUnsafeMutableBytes { read(channel[0], $0.baseAddress, $0.count) }
            close(channel[0])
            #expect(got > 0)
            #expect(String(decoding: report[0..<max(got, 0)], as: UTF8.self).hasPrefix("arguments\u{1f}"))
            #expect(await exited.next() == .exited(rawStatus: 127 << 8))
            // A signal for a token nobody has is ignored; the service still launches.
            service.signal(token: 123_456, SIGTERM)
            let (_, after) = try await fixture.shell("after", "true")
            #expect(after.succeeded)
            #expect(fixture.containerizer.launchServicePID == service.pid)
        }
        await fixture.cleanUp()
    }
}

/// Events from the service's reader thread, awaited in order.
private final class Exits: Sendable {
    private let stream: AsyncStream<LaunchService.Event>
    private let continuation: AsyncStream<LaunchService.Event>.Continuation

    init() { (stream, continuation) = AsyncStream.makeStream() }

    func record(_ event: LaunchService.Event) { continuation.yield(event) }

    func next() async -> LaunchService.Event? {
        for await event in stream { return event }
        return nil
    }
}
