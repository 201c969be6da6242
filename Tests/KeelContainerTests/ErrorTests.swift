import Foundation
@testable import KeelContainer
import Testing

@Suite struct ErrorTests {
    @Test func missingExecutableIsAPreciseErrorAndLeavesNothing() async throws {
        let fixture = try Fixture()
        defer { fixture.cleanUp() }
        let id = try ContainerID("missing")
        await #expect(throws: ContainerizerError.executableNotFound(name: "keel-no-such-program", searchPath: "/usr/bin:/bin")) {
            _ = try await fixture.run("missing", .argv(executable: "keel-no-such-program", arguments: []),
                                      environment: ["PATH": "/usr/bin:/bin"])
        }
        await #expect(throws: ContainerizerError.executableNotFound(name: "/nonexistent/prog", searchPath: "(none: a path)")) {
            _ = try await fixture.run("missing", .argv(executable: "/nonexistent/prog", arguments: []))
        }
        #expect(await fixture.containerizer.containers().isEmpty)
        #expect(!FileManager.default.fileExists(atPath: fixture.workDirectory + "/containers/missing"))
        await #expect(throws: ContainerizerError.unknownContainer("missing")) { _ = try await fixture.containerizer.wait(id) }
        // The ID is free again.
        let (_, termination) = try await fixture.run("missing", .argv(executable: "true", arguments: []))
        #expect(termination.succeeded)
    }

    @Test func directoryOrNonExecutableFileIsRefused() async throws {
        let fixture = try Fixture()
        defer { fixture.cleanUp() }
        let error = await #expect(throws: ContainerizerError.self) {
            _ = try await fixture.run("dir", .argv(executable: "/usr", arguments: []))
        }
        guard case .notExecutable(let path, _) = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(path == "/usr")
    }

    /// `exec` itself fails (no `#!`, not ELF): `posix_spawn` reports `ENOEXEC` and glibc reaps the failed child.
    @Test func execFailureIsReportedWithErrno() async throws {
        let fixture = try Fixture()
        defer { fixture.cleanUp() }
        let program = fixture.workDirectory + "/garbage"
        // Written through a close-on-exec descriptor: a process spawned concurrently by another test must not
        // inherit it, or exec fails with ETXTBSY ("Text file busy") instead of ENOEXEC.
        let fd = open(program, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o755)
        #expect(fd >= 0)
        let bytes: [UInt8] = [0, 1, 2, 3]
        #expect(bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } == 4)
        #expect(close(fd) == 0)
        await #expect(throws: ContainerizerError.spawnFailed(
            executable: program, errno: ENOEXEC, message: ContainerizerError.message(ENOEXEC))) {
            _ = try await fixture.run("garbage", .argv(executable: program, arguments: []))
        }
        #expect(await fixture.containerizer.containers().isEmpty)
        #expect(!FileManager.default.fileExists(atPath: fixture.workDirectory + "/containers/garbage"))
    }

    @Test(arguments: ["", ".", "..", "a/b", "../x", "sp ace", String(repeating: "x", count: 129), "nul\u{0}"])
    func unsafeContainerIDsAreRejected(_ text: String) {
        #expect(throws: ContainerizerError.invalidContainerID(text)) { try ContainerID(text) }
    }

    @Test func duplicateIDIsRejected() async throws {
        let fixture = try Fixture()
        defer { fixture.cleanUp() }
        _ = try await fixture.run("dup", .argv(executable: "true", arguments: []))
        await #expect(throws: ContainerizerError.containerAlreadyExists("dup")) {
            _ = try await fixture.run("dup", .argv(executable: "true", arguments: []))
        }
        // A stale sandbox from an earlier agent run is not reused silently.
        _ = try await fixture.containerizer.destroy(try ContainerID("dup"), removeSandbox: false)
        let error = await #expect(throws: ContainerizerError.self) {
            _ = try await fixture.run("dup", .argv(executable: "true", arguments: []))
        }
        #expect(error == .sandboxUnavailable(path: fixture.workDirectory + "/containers/dup", errno: EEXIST,
                                             message: ContainerizerError.message(EEXIST)))
    }

    @Test func updatesAreTakenForKnownContainersOnlyAndDestroyForgetsThem() async throws {
        let fixture = try Fixture()
        defer { fixture.cleanUp() }
        let id = try ContainerID("upd")
        _ = try await fixture.run("upd", .argv(executable: "true", arguments: []))
        try await fixture.containerizer.update(id, resources: ContainerResources(cpus: 1, memoryBytes: 1 << 30))
        await #expect(throws: ContainerizerError.unknownContainer("other")) {
            try await fixture.containerizer.update(try ContainerID("other"), resources: ContainerResources())
        }
        _ = try await fixture.containerizer.destroy(id, removeSandbox: true)
        await #expect(throws: ContainerizerError.unknownContainer("upd")) {
            try await fixture.containerizer.update(id, resources: ContainerResources())
        }
    }

    @Test func malformedSpecsAreRejected() async throws {
        let fixture = try Fixture()
        defer { fixture.cleanUp() }
        await #expect(throws: ContainerizerError.invalidSpec(reason: "environment key \"A=B\" is empty or contains '='")) {
            _ = try await fixture.shell("bad-env", "true", environment: ["A=B": "x"])
        }
        await #expect(throws: ContainerizerError.invalidSpec(reason: "the executable is empty")) {
            _ = try await fixture.run("bad-argv", .argv(executable: "", arguments: []))
        }
        await #expect(throws: ContainerizerError.invalidSpec(reason: "an argument contains a NUL byte")) {
            _ = try await fixture.run("bad-nul", .argv(executable: "true", arguments: ["a\u{0}b"]))
        }
        #expect(await fixture.containerizer.containers().isEmpty)
    }

    @Test func unwritableWorkDirectoryIsAPreciseError() async throws {
        let containerizer = PosixContainerizer(configuration: PosixContainerizerConfiguration(workDirectory: "/proc/keel"))
        let error = await #expect(throws: ContainerizerError.self) {
            _ = try await containerizer.launch(ContainerSpec(id: try ContainerID("x"), command: .shell("true")))
        }
        guard case .sandboxUnavailable(let path, _, _) = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(path == "/proc/keel/containers")
        #expect(await containerizer.containers().isEmpty)
    }

    @Test func errorsAndTerminationsRoundTripThroughCodable() throws {
        let error = ContainerizerError.spawnFailed(executable: "/x", errno: ENOENT, message: "No such file or directory")
        #expect(try JSONDecoder().decode(ContainerizerError.self, from: JSONEncoder().encode(error)) == error)
        #expect(error.description == "cannot execute /x: No such file or directory (errno 2)")
        let termination = ContainerTermination(status: .signaled(signal: 9, coreDumped: false), killed: true,
                                               startedAt: 1, endedAt: 2, usage: nil)
        #expect(try JSONDecoder().decode(ContainerTermination.self, from: JSONEncoder().encode(termination)) == termination)
        #expect(termination.description == "terminated by signal 9 (SIGKILL), killed by the containerizer")
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(ContainerID.self, from: Data("\"../etc\"".utf8)) }
    }

    @Test func procStatParsingSurvivesHostileCommandNames() throws {
        let text = "4242 (a) (b c) S 1 4242 4242 0 -1 4194560 10 0 0 0 7 3 2 1 20 0 1 0 100 1000 55 184467 0 0"
        let stat = try #require(ProcFiles.Stat(text: text))
        #expect(stat.state == "S" && stat.parent == 1 && stat.processGroup == 4242)
        #expect(stat.userTicks == 7 && stat.systemTicks == 3 && stat.childUserTicks == 2 && stat.childSystemTicks == 1)
        #expect(stat.residentPages == 55 && stat.startTicks == 100)
        #expect(ProcFiles.Stat(text: "4242 (truncated) S 1") == nil)
        #expect(ContainerTermination.status(fromWaitStatus: 3 << 8) == .exited(code: 3))
        #expect(ContainerTermination.status(fromWaitStatus: 0x80 | 11) == .signaled(signal: 11, coreDumped: true))
    }
}
