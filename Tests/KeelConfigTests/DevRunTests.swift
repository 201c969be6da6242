import Foundation
import Testing

@Suite("keel dev + keel run as OS processes")
struct DevRunTests {
    @Test(.timeLimit(.minutes(2)))
    func runReportsTransitionsAndExitCode() async throws {
        let dev = Process()
        dev.executableURL = KeelBinary.url
        dev.arguments = ["dev", "--port", "0"]
        let devOutput = Pipe()
        dev.standardOutput = devOutput
        dev.standardError = FileHandle.nullDevice
        try dev.run()
        defer {
            if dev.isRunning { kill(dev.processIdentifier, SIGKILL) }
        }
        let devLines = await KeelBinary.readLines(devOutput.fileHandleForReading) { $0.hasPrefix("ready: master ") }
        let ready = try #require(devLines.last { $0.hasPrefix("ready: master ") }, "keel dev printed: \(devLines)")
        let master = try #require(ready.dropFirst("ready: master ".count).split(separator: ",").first.map(String.init))

        let run = Process()
        run.executableURL = KeelBinary.url
        // The task writes more than one output chunk (256 KiB) to stdout, so the copy must follow offsets.
        run.arguments = ["run", "--master", master, "--", "sh", "-c",
                         "echo first; echo to-stderr >&2; seq 1 60000; echo last; exit 7"]
        let runOutput = Pipe(), runErrors = Pipe()
        run.standardOutput = runOutput
        run.standardError = runErrors
        try run.run()
        async let outputLines = KeelBinary.readLines(runOutput.fileHandleForReading) { _ in false }
        async let errorLines = KeelBinary.readLines(runErrors.fileHandleForReading) { _ in false }
        let (output, lines) = await (outputLines, errorLines)
        let status = await KeelBinary.wait(run)
        #expect(status == 7, "keel run printed: \(lines)")
        // Transitions go to stderr, with the task's own stderr; stdout carries exactly the task's stdout.
        #expect(lines.contains { $0.contains("TASK_RUNNING") }, "\(lines)")
        #expect(lines.contains { $0.contains("TASK_FAILED") && $0.contains("exited with code 7") }, "\(lines)")
        #expect(lines.contains("to-stderr"), "\(lines)")
        #expect(output == ["first"] + (1...60000).map(String.init) + ["last"], "stdout had \(output.count) lines")

        // The operator listings see the cluster and the finished task.
        let agents = try await KeelBinary.output(["agents", "--master", master])
        #expect(agents.first?.hasPrefix("ID ") == true && agents.count == 3, "\(agents)")
        #expect(agents.dropFirst().allSatisfy { $0.contains(" active ") }, "\(agents)")
        let tasks = try await KeelBinary.output(["tasks", "--master", master])
        #expect(tasks.contains { $0.contains("TASK_FAILED") && $0.contains("exited with status 7") }, "\(tasks)")

        // --agent pins the task to one agent (the last one listed, whichever got the first task).
        let agentID = try #require(agents.last?.split(separator: " ").first.map(String.init))
        let pinned = try await KeelBinary.output(["run", "--master", master, "--agent", agentID, "--", "echo pinned"])
        #expect(pinned == ["pinned"])
        let after = try await KeelBinary.output(["tasks", "--master", master])
        #expect(after.filter { $0.contains("TASK_FINISHED") && $0.contains(agentID) }.count == 1, "\(after)")

        kill(dev.processIdentifier, SIGTERM)
        let devStatus = await KeelBinary.wait(dev)
        #expect(devStatus == 0)
    }

    @Test func badFlagIsAUsageError() async throws {
        let run = Process()
        run.executableURL = KeelBinary.url
        run.arguments = ["run", "--cpu", "2", "--", "true"]
        let errors = Pipe()
        run.standardOutput = FileHandle.nullDevice
        run.standardError = errors
        try run.run()
        let lines = await KeelBinary.readLines(errors.fileHandleForReading) { _ in false }
        #expect(await KeelBinary.wait(run) == 2)
        #expect(lines.first == "keel run: unknown flag --cpu")
    }
}
