/// How and when a container's main process ended.
public struct ContainerTermination: Sendable, Hashable, Codable, CustomStringConvertible {
    /// How the process ended.
    public enum Status: Sendable, Hashable, Codable {
        /// It called `exit(code)` (or returned `code` from `main`).
        case exited(code: Int32)
        /// A signal terminated it; `coreDumped` when the kernel wrote a core file.
        case signaled(signal: Int32, coreDumped: Bool)
        /// Its status was lost: someone else in the process reaped it (e.g. `SIGCHLD` set to `SIG_IGN`).
        case unknown
    }

    /// How the process ended.
    public var status: Status
    /// Whether the containerizer had been asked to kill (or destroy) the container before it ended.
    public var killed: Bool
    /// When the process was spawned, in seconds since the Unix epoch.
    public var startedAt: Double
    /// When its exit was collected, in seconds since the Unix epoch.
    public var endedAt: Double
    /// Resource usage of the process and the descendants it waited for, from `wait4`; `nil` when unknown.
    public var usage: ResourceUsage?
    /// The resource limit that ended the container (e.g. the memory limit: the kernel's OOM killer struck), or
    /// `nil`. Only isolating containerizers set it.
    public var limitation: ContainerLimitation?

    /// A termination record.
    public init(status: Status, killed: Bool, startedAt: Double, endedAt: Double, usage: ResourceUsage?,
                limitation: ContainerLimitation? = nil) {
        self.limitation = limitation
        self.status = status
        self.killed = killed
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.usage = usage
    }

    /// The exit code when the process exited normally.
    public var exitCode: Int32? {
        if case .exited(let code) = status { return code }
        return nil
    }

    /// The terminating signal when a signal ended the process.
    public var signal: Int32? {
        if case .signaled(let signal, _) = status { return signal }
        return nil
    }

    /// Whether the process exited with code 0.
    public var succeeded: Bool { exitCode == 0 }

    /// `exited with status 3`, `terminated by signal 15 (SIGTERM)`, with `, killed` when we asked for it.
    public var description: String {
        let base: String
        switch status {
        case .exited(let code): base = "exited with status \(code)"
        case .signaled(let signal, let core):
            base = "terminated by signal \(signal) (\(Self.signalName(signal)))" + (core ? ", core dumped" : "")
        case .unknown: base = "exit status unknown (reaped elsewhere)"
        }
        let limited = limitation.map { base + ", " + $0.description } ?? base
        return killed ? limited + ", killed by the containerizer" : limited
    }

    /// Decodes a raw `wait` status word (the `WIFEXITED`/`WTERMSIG` macros are not importable).
    package static func status(fromWaitStatus raw: Int32) -> Status {
        let low = raw & 0x7f
        if low == 0 { return .exited(code: (raw >> 8) & 0xff) }
        return .signaled(signal: low, coreDumped: raw & 0x80 != 0)
    }

    /// The conventional name of a Linux signal number.
    public static func signalName(_ signal: Int32) -> String {
        let names = [
            1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 4: "SIGILL", 5: "SIGTRAP", 6: "SIGABRT", 7: "SIGBUS", 8: "SIGFPE",
            9: "SIGKILL", 10: "SIGUSR1", 11: "SIGSEGV", 12: "SIGUSR2", 13: "SIGPIPE", 14: "SIGALRM", 15: "SIGTERM",
            24: "SIGXCPU", 25: "SIGXFSZ", 31: "SIGSYS",
        ]
        return names[Int(signal)] ?? "signal \(signal)"
    }
}
