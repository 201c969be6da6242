import Foundation
import KeelContainer
@testable import KeelIsolation
import KeelLog
import Testing

/// A Linux containerizer over a fresh temporary work directory and its own cgroup root name; ``cleanUp()`` kills
/// and removes whatever the test left (containers, cgroups, sandbox).
struct LinuxFixture {
    let workDirectory: String
    let containerizer: LinuxContainerizer

    /// Whether enforcement tests can run here (root, cgroups, the launcher built next to the tests).
    static let unavailableReason: String? = {
        if geteuid() != 0 { return "not root" }
        if LinuxContainerizer.detectHierarchy() == nil { return "no cgroup file system with cpu, memory and pids" }
        if access(launcherPath, X_OK) != 0 { return "keel-launcher not built at \(launcherPath)" }
        return nil
    }()

    /// Prints why enforcement tests are skipped (once per test) and returns whether they run.
    static var available: Bool {
        if let reason = unavailableReason { print("SKIPPED Linux isolation test: \(reason)") }
        return unavailableReason == nil
    }

    /// Whether the host's cgroups are v1 (prints why v1-only tests are skipped otherwise).
    static var cgroupV1: Bool {
        let v1 = LinuxContainerizer.detectHierarchy()?.version == .v1
        if !v1 { print("SKIPPED Linux isolation test: its files are cgroup v1's, this host has v2") }
        return v1
    }

    /// `.build/<config>/keel-launcher`, next to the test bundle.
    static var launcherPath: String {
        let testBinary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return testBinary.deletingLastPathComponent().appendingPathComponent("keel-launcher").path
    }

    init(hardCPUQuota: Bool = false, capabilities: [String] = LinuxCapabilities.defaultSet,
         rootName: String = "test-\(UInt32.random(in: 0...UInt32.max))") throws {
        let template = FileManager.default.temporaryDirectory.path + "/keel-linux-XXXXXX"
        var bytes = Array(template.utf8CString)
        guard let made = mkdtemp(&bytes) else { throw FixtureError.mkdtemp(errno) }
        workDirectory = String(cString: made)
        let configuration = LinuxContainerizerConfiguration(
            workDirectory: workDirectory, rootName: rootName, capabilities: capabilities,
            hardCPUQuota: hardCPUQuota, launcherPath: Self.launcherPath)
        containerizer = try LinuxContainerizer(configuration: configuration, logger: Logger(label: "test", level: .warning))
    }

    /// Destroys every container still known, removes the containerizer's cgroup root and the work directory.
    func cleanUp() async {
        for id in await containerizer.containers() { _ = try? await containerizer.destroy(id, removeSandbox: true) }
        for directory in parentDirectories { rmdir(directory) }
        try? FileManager.default.removeItem(atPath: workDirectory)
    }

    /// `<mount>/keel/<rootName>` in every hierarchy.
    var parentDirectories: [String] {
        containerizer.hierarchy.directories(containerizer.configuration.cgroupParent,
                                            controllers: CgroupHierarchy.requiredV1 + ["devices"])
    }

    /// Container cgroups left under the root.
    var leftoverCgroups: [String] { parentDirectories.flatMap { CgroupFiles.subdirectories($0) } }

    /// Launches a shell command line and waits.
    func shell(_ id: String, _ line: String, resources: ContainerResources? = nil,
               linux: LinuxContainerOptions? = nil) async throws -> (ContainerHandle, ContainerTermination) {
        let spec = ContainerSpec(id: try ContainerID(id), command: .shell(line), resources: resources, linux: linux)
        let handle = try await containerizer.launch(spec)
        return (handle, try await containerizer.wait(spec.id))
    }

    /// The task's stdout.
    func output(_ handle: ContainerHandle) -> String {
        (try? String(contentsOfFile: handle.standardOutputPath, encoding: .utf8)) ?? ""
    }

    /// A control file of a container.
    func cgroupFile(_ id: String, controller: String, _ file: String) -> String? {
        guard let directory = containerizer.cgroupPaths(id).byController[controller] else { return nil }
        return CgroupFiles.read(directory + "/" + file)
    }
}

enum FixtureError: Error { case mkdtemp(Int32), timeout(String), failed(String) }

/// Polls `condition` every 10 ms until it holds; throws after `seconds`. Only for state no event reports (cgroup
/// counters), never as a stand-in for waiting on an exit.
func eventually(_ what: String, within seconds: Double = 10, _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while try await !condition() {
        if ContinuousClock.now > deadline { throw FixtureError.timeout(what) }
        try await Task.sleep(for: .milliseconds(10))
    }
}
