/// Settings of a ``PosixContainerizer``.
public struct PosixContainerizerConfiguration: Sendable, Hashable, Codable {
    /// The agent's work directory; sandboxes are created under `<workDirectory>/containers/`. No default: an agent
    /// must choose where task output lives.
    public var workDirectory: String
    /// The shell for ``ContainerCommand/shell(_:)`` and for the rlimit shim. Default: `/bin/sh`.
    public var shellPath: String
    /// `PATH` given to tasks whose environment has none, and used to look up bare executable names.
    /// Default: `/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`.
    public var defaultSearchPath: String
    /// Close every descriptor above 2 in the child, including ones the agent opened without `O_CLOEXEC`.
    /// Default: `true` (needs glibc 2.34; ignored on older C libraries).
    public var closeInheritedDescriptors: Bool
    /// Permissions of a new sandbox directory. Default: `0o750`.
    public var sandboxPermissions: UInt32

    /// A configuration; everything but the work directory has the documented default.
    public init(
        workDirectory: String,
        shellPath: String = "/bin/sh",
        defaultSearchPath: String = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        closeInheritedDescriptors: Bool = true,
        sandboxPermissions: UInt32 = 0o750
    ) {
        self.workDirectory = workDirectory
        self.shellPath = shellPath
        self.defaultSearchPath = defaultSearchPath
        self.closeInheritedDescriptors = closeInheritedDescriptors
        self.sandboxPermissions = sandboxPermissions
    }

    /// `<workDirectory>/containers`.
    public var containersDirectory: String {
        (workDirectory.hasSuffix("/") ? workDirectory : workDirectory + "/") + "containers"
    }
}
