import Foundation
@testable import KeelContainer
import Testing

@Suite struct LaunchTests {
    @Test func trueExitsZeroWithSandboxFiles() async throws {
        let fixture = try Fixture()
        defer { fixture.cleanUp() }
        let (handle, termination) = try await fixture.run("true", .argv(executable: "/bin/true", arguments: []))
        #expect(termination.status == .exited(code: 0))
        #expect(termination.succeeded && !termination.killed)
        #expect(termination.endedAt >= termination.startedAt)
        #expect(handle.sandboxDirectory == fixture.workDirectory + "/containers/true")
        #expect(FileManager.default.fileExists(atPath: handle.standardOutputPath))
        #expect(FileManager.default.fileExists(atPath: handle.standardErrorPath))
        #expect(await fixture.containerizer.containers() == [try ContainerID("true")])
        #expect(fixture.containerizer.isolation == .posix)
    }

    @Test func exitCodeIsReported() async throws {
        let fixture = try Fixture()
        defer { fixture.cleanUp() }
        let (_, termination) = try await fixture.shell("exit3", "exit 3")
        #expect(termination.status == .exited(code: 3))
        #expect(termination.description == "exited with status 3")
    }

    @Test func signalIsReported() async throws {
        let fixture = try Fixture()
        defer { fixture.cleanUp() }
        let (_, termination) = try await fixture.shell("term", "kill -TERM $$")
        #expect(termination.status == .signaled(signal: SIGTERM, coreDumped: false))
        #expect(!termination.killed)
    }

    /// Without `POSIX_SPAWN_SETSIGDEF` the task would inherit the ignored `SIGPIPE` and survive.
    @Test func ignoredSignalsAreResetInTheTask() async throws {
        signal(SIGPIPE, SIG_IGN)
        let fixture = try Fixture()
        defer { fixture.cleanUp() }
        let (_, termination) = try await fixture.shell("pipe", "kill -PIPE $$; exit 7")
        #expect(termination.signal == SIGPIPE)
    }

    @Test func outputLandsInTheSandbox() async throws {
        let fixture = try Fixture()
        defer { fixture.cleanUp() }
        let (handle, termination) = try await fixture.shell("out", "echo to-stdout; echo to-stderr >&2; read x; echo \"[$x]\"")
        #expect(termination.succeeded)
        #expect(contents(handle.standardOutputPath) == "to-stdout\n[]\n")  // stdin is /dev/null
        #expect(contents(handle.standardErrorPath) == "to-stderr\n")
    }

    @Test func environmentAndWorkingDirectoryApply() async throws {
        setenv("KEEL_AGENT_ONLY", "leaked", 1)
        let fixture = try Fixture()
        defer { fixture.cleanUp() }
        let (handle, termination) = try await fixture.shell(
            "env", "echo \"$GREETING\"; pwd -P; echo \"$KEEL_SANDBOX\"; echo \"${KEEL_AGENT_ONLY-unset}\"; echo \"$PATH\"",
            environment: ["GREETING": "hello world"])
        #expect(termination.succeeded)
        let real = URL(fileURLWithPath: handle.sandboxDirectory).resolvingSymlinksInPath().path
        let lines = contents(handle.standardOutputPath).split(separator: "\n").map(String.init)
        #expect(lines == ["hello world", real, handle.sandboxDirectory, "unset",
                          PosixContainerizerConfiguration(workDirectory: "/").defaultSearchPath])
    }

    @Test func workingDirectoryCanBeOverridden() async throws {
        let fixture = try Fixture()
        defer { fixture.cleanUp() }
        let (handle, _) = try await fixture.run("cwd", .shell("pwd -P"), workingDirectory: "/usr")
        #expect(contents(handle.standardOutputPath) == "/usr\n")
        await #expect(throws: ContainerizerError.workingDirectoryUnavailable(
            path: "/nonexistent-keel", errno: ENOENT, message: ContainerizerError.message(ENOENT))) {
            _ = try await fixture.run("cwd2", .shell("pwd"), workingDirectory: "/nonexistent-keel")
        }
        await #expect(throws: ContainerizerError.workingDirectoryUnavailable(
            path: "/bin/sh", errno: ENOTDIR, message: ContainerizerError.message(ENOTDIR))) {
            _ = try await fixture.run("cwd3", .shell("pwd"), workingDirectory: "/bin/sh")
        }
    }

    @Test(arguments: [false, true])
    func argvIsPassedVerbatim(throughLimitShim: Bool) async throws {
        let fixture = try Fixture()
        defer { fixture.cleanUp() }
        let limits = throughLimitShim ? ResourceLimits(openFiles: 128) : ResourceLimits()
        let (handle, termination) = try await fixture.run(
            "argv", .argv(executable: "printf", arguments: ["<%s>", "a b", "$HOME", "'q'", "\"", ""]), limits: limits)
        #expect(termination.succeeded)
        #expect(contents(handle.standardOutputPath) == "<a b><$HOME><'q'><\"><>")
    }

    @Test func limitsApplyBeforeTheTaskRuns() async throws {
        let fixture = try Fixture()
        defer { fixture.cleanUp() }
        let limits = ResourceLimits(openFiles: 64, coreFileBytes: 0, addressSpaceBytes: 1 << 30, fileSizeBytes: 4096)
        let (handle, termination) = try await fixture.shell("ulimit", "ulimit -n; ulimit -c; ulimit -v; ulimit -f; ulimit -Hn",
                                                            limits: limits)
        #expect(termination.succeeded)
        #expect(contents(handle.standardOutputPath) == "64\n0\n1048576\n8\n64\n")
        let (argvHandle, _) = try await fixture.run(
            "ulimit-argv", .argv(executable: "/bin/sh", arguments: ["-c", "ulimit -n"]), limits: ResourceLimits(openFiles: 77))
        #expect(contents(argvHandle.standardOutputPath) == "77\n")
    }

    @Test func impossibleLimitIsRejectedBeforeSpawning() async throws {
        let fixture = try Fixture()
        defer { fixture.cleanUp() }
        let maximum = try #require(ResourceLimits.kernelMaximumOpenFiles)
        await #expect(throws: ContainerizerError.resourceLimitTooHigh(limit: "nofile", requested: maximum + 1, maximum: maximum)) {
            _ = try await fixture.shell("nofile", "true", limits: ResourceLimits(openFiles: maximum + 1))
        }
        #expect(await fixture.containerizer.containers().isEmpty)
    }
}
