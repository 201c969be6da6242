import KeelContainer
import KeelLog

/// Which containerizer an agent uses.
public enum IsolationMode: String, Sendable, Hashable, Codable, CaseIterable {
    /// The Linux containerizer when running as root with a usable cgroup file system and `keel-launcher`, else the
    /// POSIX one with one warning at start (the default).
    case auto
    /// The Linux containerizer; if it cannot start, the POSIX one with an error logged (the agent then advertises
    /// `keel.isolation:posix`, so frameworks that require `linux` do not use it).
    case linux
    /// The POSIX containerizer (process groups and rlimits; nothing enforced).
    case posix

    /// The attribute an agent adds so frameworks can require an isolation: `keel.isolation` = `linux` or `posix`.
    public static let attributeName = "keel.isolation"

    /// The containerizer for this mode over `workDirectory`, and the warning to log once when it fell back.
    public func makeContainerizer(workDirectory: String, logger: Logger) -> (any Containerizer, warning: String?) {
        // Made only when used: making one kills what an earlier POSIX run on this work directory left running.
        func posix() -> PosixContainerizer {
            PosixContainerizer(configuration: PosixContainerizerConfiguration(workDirectory: workDirectory))
        }
        if self == .posix { return (posix(), nil) }
        do {
            let linux = try LinuxContainerizer(configuration: LinuxContainerizerConfiguration(workDirectory: workDirectory))
            // A crashed POSIX run on this work directory (before Linux isolation was available) left its groups.
            PosixContainerizer.killOrphans(workDirectory: workDirectory, logger: logger)
            return (linux, nil)
        } catch {
            return (posix(), "Linux isolation unavailable (\(error)); tasks run under the POSIX containerizer: "
                + "no cgroups, namespaces or capability limits are enforced")
        }
    }
}
