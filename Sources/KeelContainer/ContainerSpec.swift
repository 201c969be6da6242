/// What to run: a shell command line or an explicit argument vector.
public enum ContainerCommand: Sendable, Hashable, Codable {
    /// Runs `/bin/sh -c <command>` (the shell is ``PosixContainerizerConfiguration/shellPath``).
    case shell(String)
    /// Runs `executable` with `arguments` (not including argv[0], which is `executable` as given).
    ///
    /// A name without `/` is looked up in the spec's `PATH` (or the configuration's default path), like `execvp`;
    /// a relative path with a `/` is relative to the working directory the task starts in.
    case argv(executable: String, arguments: [String])
}

/// Everything a containerizer needs to start one container.
public struct ContainerSpec: Sendable, Hashable, Codable {
    /// The container's identity and sandbox directory name; unique among the containerizer's live containers.
    public var id: ContainerID
    /// The program to run.
    public var command: ContainerCommand
    /// The task's complete environment (the agent's own environment is not inherited). Default: empty.
    ///
    /// The containerizer adds `PATH` (its default search path) and `KEEL_SANDBOX` (the sandbox directory) unless
    /// they are given here.
    public var environment: [String: String]
    /// The directory the task starts in: an absolute path, or `nil` (the default) for the sandbox directory.
    public var workingDirectory: String?
    /// Resource limits applied before the task's program starts. Default: none (inherited from the agent).
    public var limits: ResourceLimits
    /// What the task was given (cpus, memory, GPUs, pids), enforced by isolating containerizers; `nil` (the
    /// default) means unlimited. The POSIX containerizer ignores it.
    public var resources: ContainerResources?
    /// Per-task Linux isolation overrides (capabilities, network, host name, user); `nil` (the default) takes the
    /// containerizer's configuration. The POSIX containerizer ignores it.
    public var linux: LinuxContainerOptions?

    /// A spec; everything but the ID and the command has a default.
    public init(
        id: ContainerID,
        command: ContainerCommand,
        environment: [String: String] = [:],
        workingDirectory: String? = nil,
        limits: ResourceLimits = ResourceLimits(),
        resources: ContainerResources? = nil,
        linux: LinuxContainerOptions? = nil
    ) {
        self.id = id
        self.command = command
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.limits = limits
        self.resources = resources
        self.linux = linux
    }

    /// Checks what can be checked without touching the file system.
    package func validate() throws(ContainerizerError) {
        func clean(_ text: String, _ what: String) throws(ContainerizerError) {
            if text.utf8.contains(0) { throw .invalidSpec(reason: "\(what) contains a NUL byte") }
        }
        switch command {
        case .shell(let line):
            try clean(line, "the shell command")
        case .argv(let executable, let arguments):
            if executable.isEmpty { throw .invalidSpec(reason: "the executable is empty") }
            try clean(executable, "the executable")
            for argument in arguments { try clean(argument, "an argument") }
        }
        for (key, value) in environment {
            if key.isEmpty || key.utf8.contains(UInt8(ascii: "=")) {
                throw .invalidSpec(reason: "environment key \"\(key)\" is empty or contains '='")
            }
            try clean(key, "an environment key")
            try clean(value, "the value of \(key)")
        }
        if let directory = workingDirectory {
            if !directory.hasPrefix("/") { throw .invalidSpec(reason: "working directory \"\(directory)\" is not absolute") }
            try clean(directory, "the working directory")
        }
    }
}
