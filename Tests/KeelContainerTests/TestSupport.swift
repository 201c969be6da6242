import Foundation
@testable import KeelContainer
import KeelLog

/// A containerizer over a fresh temporary work directory, removed by ``cleanUp()``.
struct Fixture {
    let workDirectory: String
    let containerizer: PosixContainerizer

    init(function: String = #function) throws {
        let template = FileManager.default.temporaryDirectory.path + "/keel-container-XXXXXX"
        var bytes = Array(template.utf8CString)
        guard let made = mkdtemp(&bytes) else { throw FixtureError.mkdtemp(errno) }
        workDirectory = String(cString: made)
        containerizer = PosixContainerizer(
            configuration: PosixContainerizerConfiguration(workDirectory: workDirectory),
            logger: Logger(label: "test", level: .warning))
    }

    func cleanUp() {
        try? FileManager.default.removeItem(atPath: workDirectory)
    }

    /// Launches and waits.
    func run(_ id: String, _ command: ContainerCommand, environment: [String: String] = [:],
             workingDirectory: String? = nil, limits: ResourceLimits = ResourceLimits()) async throws
        -> (ContainerHandle, ContainerTermination) {
        let spec = ContainerSpec(
            id: try ContainerID(id), command: command, environment: environment,
            workingDirectory: workingDirectory, limits: limits)
        let handle = try await containerizer.launch(spec)
        return (handle, try await containerizer.wait(spec.id))
    }

    func shell(_ id: String, _ line: String, environment: [String: String] = [:], limits: ResourceLimits = ResourceLimits())
        async throws -> (ContainerHandle, ContainerTermination) {
        try await run(id, .shell(line), environment: environment, limits: limits)
    }
}

enum FixtureError: Error { case mkdtemp(Int32), timeout(String) }

/// The file's text ("" when missing).
func contents(_ path: String) -> String {
    (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
}

/// Polls `condition` every 10 ms until it holds; throws after `seconds`. Used only for conditions no event reports
/// (another process's state in `/proc`), never as a stand-in for waiting on an exit.
func eventually(_ what: String, within seconds: Double = 10, _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while try await !condition() {
        if ContinuousClock.now > deadline { throw FixtureError.timeout(what) }
        try await Task.sleep(for: .milliseconds(10))
    }
}

/// Whether `pid` is gone or a zombie (dead, awaiting its parent).
func isDead(_ pid: pid_t) -> Bool {
    guard let stat = ProcFiles.Stat(pid: pid) else { return true }
    return stat.state == "Z" || stat.state == "X"
}

/// Whether `pid` is an unreaped zombie child of this test process.
func isOurZombie(_ pid: pid_t) -> Bool {
    guard let stat = ProcFiles.Stat(pid: pid) else { return false }
    return stat.parent == getpid() && stat.state == "Z"
}
