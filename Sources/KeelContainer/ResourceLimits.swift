#if canImport(Glibc)
import Glibc
#endif

/// POSIX resource limits (`setrlimit`) applied to a task before its program starts; `nil` means "inherit".
///
/// Each limit sets both the soft and the hard value, so the task cannot raise it again. Byte sizes are rounded
/// *down* to the unit the kernel interface uses for them in `ulimit` (512-byte blocks for `core` and `fsize`,
/// KiB for `as` and `stack`), so a task never gets more than it asked for.
///
/// `posix_spawn` cannot set rlimits, and changing the agent's own limits would leak into every other thread's
/// spawns; so when any limit is set, the POSIX containerizer starts the task through the system shell as a tiny exec
/// shim (`sh -c 'ulimit … || exit 126; exec "$0" "$@"' program args…`), which applies them and then `exec`s the task
/// in the same process. Arguments travel as positional parameters, never through the shell's parser. Without limits
/// the task is spawned directly.
public struct ResourceLimits: Sendable, Hashable, Codable {
    /// `RLIMIT_NOFILE`: the highest file descriptor number + 1. At most the kernel's `fs.nr_open`.
    public var openFiles: UInt64?
    /// `RLIMIT_CORE` in bytes; `0` disables core dumps.
    public var coreFileBytes: UInt64?
    /// `RLIMIT_AS`: the address-space size in bytes.
    public var addressSpaceBytes: UInt64?
    /// `RLIMIT_CPU`: CPU seconds before `SIGXCPU`.
    public var cpuSeconds: UInt64?
    /// `RLIMIT_FSIZE`: the largest file the task may write, in bytes.
    public var fileSizeBytes: UInt64?
    /// `RLIMIT_STACK`: the main thread's stack size in bytes.
    public var stackBytes: UInt64?

    /// Limits; every one defaults to `nil` (inherit the agent's).
    public init(
        openFiles: UInt64? = nil,
        coreFileBytes: UInt64? = nil,
        addressSpaceBytes: UInt64? = nil,
        cpuSeconds: UInt64? = nil,
        fileSizeBytes: UInt64? = nil,
        stackBytes: UInt64? = nil
    ) {
        self.openFiles = openFiles
        self.coreFileBytes = coreFileBytes
        self.addressSpaceBytes = addressSpaceBytes
        self.cpuSeconds = cpuSeconds
        self.fileSizeBytes = fileSizeBytes
        self.stackBytes = stackBytes
    }

    /// Whether no limit is set (the task is spawned directly, without the shim).
    public var isEmpty: Bool { entries.isEmpty }

    /// (name, `ulimit` flag, resource, unit in bytes, requested value) for every limit that is set.
    package var entries: [(name: String, flag: String, resource: Int32, unit: UInt64, value: UInt64)] {
        var result: [(name: String, flag: String, resource: Int32, unit: UInt64, value: UInt64)] = []
        if let openFiles { result.append(("nofile", "n", Int32(RLIMIT_NOFILE.rawValue), 1, openFiles)) }
        if let coreFileBytes { result.append(("core", "c", Int32(RLIMIT_CORE.rawValue), 512, coreFileBytes)) }
        if let addressSpaceBytes { result.append(("as", "v", Int32(RLIMIT_AS.rawValue), 1024, addressSpaceBytes)) }
        if let cpuSeconds { result.append(("cpu", "t", Int32(RLIMIT_CPU.rawValue), 1, cpuSeconds)) }
        if let fileSizeBytes { result.append(("fsize", "f", Int32(RLIMIT_FSIZE.rawValue), 512, fileSizeBytes)) }
        if let stackBytes { result.append(("stack", "s", Int32(RLIMIT_STACK.rawValue), 1024, stackBytes)) }
        return result
    }

    /// Rejects limits the shim could not apply: above `fs.nr_open` for open files, or — without root — above the
    /// agent's own hard limit (an unprivileged process cannot raise a hard limit).
    package func validate() throws(ContainerizerError) {
        let privileged = geteuid() == 0
        for entry in entries {
            if entry.resource == Int32(RLIMIT_NOFILE.rawValue), let maximum = Self.kernelMaximumOpenFiles,
               entry.value > maximum {
                throw .resourceLimitTooHigh(limit: entry.name, requested: entry.value, maximum: maximum)
            }
            guard !privileged else { continue }
            var current = rlimit()
            guard getrlimit(__rlimit_resource_t(UInt32(entry.resource)), &current) == 0 else { continue }
            let hard = UInt64(current.rlim_max)  // RLIM_INFINITY is all ones (not importable: it is `-1` cast)
            if hard != UInt64.max, entry.value / entry.unit * entry.unit > hard {
                throw .resourceLimitTooHigh(limit: entry.name, requested: entry.value, maximum: hard)
            }
        }
    }

    /// The shim's script prefix: `ulimit -n 64 && ulimit -c 0 || exit 126` (values in `ulimit`'s units).
    var shellPrefix: String {
        let commands = entries.map { "ulimit -\($0.flag) \($0.value / $0.unit)" }
        return commands.joined(separator: " && ") + " || exit 126\n"
    }

    /// `/proc/sys/fs/nr_open`, the kernel's ceiling for `RLIMIT_NOFILE`.
    static let kernelMaximumOpenFiles: UInt64? = {
        guard let text = ProcFiles.read("/proc/sys/fs/nr_open") else { return nil }
        return UInt64(text.split(whereSeparator: { $0 == "\n" || $0 == " " }).first ?? "")
    }()
}
