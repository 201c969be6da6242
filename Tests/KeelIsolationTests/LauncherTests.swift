import Foundation
import KeelLaunch
import Testing

/// The C `keel-launcher` against the Swift side of its contract (no root needed: no cgroups or namespaces).
@Suite(.enabled(if: access(LinuxFixture.launcherPath, X_OK) == 0, "needs keel-launcher built next to the tests"))
struct LauncherTests {
    /// Runs the launcher with `arguments` (no descriptor 3: reports go to stderr); (status, stdout, stderr).
    func run(_ arguments: [String]) throws -> (Int32, String, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: LinuxFixture.launcherPath)
        process.arguments = arguments
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }

    @Test func theLauncherDecodesWhatTheSwiftSideEncodes() throws {
        var request = LaunchRequest()
        request.rlimits = [(7, 64)]  // RLIMIT_NOFILE
        request.workingDirectory = "/tmp"
        request.program = "/bin/sh"
        request.arguments = ["sh", "-c", "pwd; ulimit -n; echo \"$0|$1\"", "--ns", "two words"]
        let (status, output, errors) = try run(request.encoded())
        #expect(status == 0, "\(errors)")
        #expect(output == "/tmp\n64\n--ns|two words\n")
    }

    @Test func malformedRequestsAndFailedStepsAreReportedWithTheCall() throws {
        let unknown = try run(["--bogus", "x", "--", "/bin/true", "true"])
        #expect(unknown.0 == 127)
        #expect(unknown.2 == "keel-launcher: arguments(unknown option \"--bogus\"): errno 0\n")
        let namespace = try run(["--ns", "pid,time", "--", "/bin/true", "true"])
        #expect(namespace.2.contains("unknown namespace \"time\""), "\(namespace.2)")
        let range = try run(["--caps", "1,99", "--", "/bin/true", "true"])
        #expect(range.2.contains("--caps: 99 is out of range"), "\(range.2)")
        let missing = try run(["--cwd", "/", "--", "/nonexistent/program", "x"])
        #expect(missing.0 == 127)
        #expect(missing.2 == "keel-launcher: execve(/nonexistent/program): errno \(ENOENT)\n")
    }

    /// Loading libswiftCore would cost ~1.2 ms of CPU per launch (Proposals/0004): the launcher links only libc and
    /// libcap. Fails if a toolchain change brings the runtime back (see the top of Sources/keel-launcher/main.c).
    @Test func theLauncherDoesNotLoadTheSwiftRuntime() throws {
        let binary = try Data(contentsOf: URL(fileURLWithPath: LinuxFixture.launcherPath))
        #expect(binary.range(of: Data("libswiftCore.so".utf8)) == nil)
        #expect(binary.range(of: Data("libcap.so".utf8)) != nil)
    }
}
