#if canImport(Glibc)
import Glibc
#endif

/// Why a containerizer refused or failed an operation.
///
/// Every failure that comes from outside the process (a missing executable, an unusable working directory,
/// `ENOENT`/`EACCES`/`ENOEXEC` from `exec`, a full disk) is reported as one of these — never a crash. The cases are
/// `Codable`, so an agent can forward them to the master and the framework unchanged.
public enum ContainerizerError: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    /// The container ID is empty, too long, `.`/`..`, or contains a character other than `A-Z a-z 0-9 . _ -`.
    case invalidContainerID(String)
    /// A container with this ID is already known to the containerizer.
    case containerAlreadyExists(String)
    /// No container with this ID is known (never launched, or already destroyed).
    case unknownContainer(String)
    /// The spec is malformed; `reason` says how (an empty argv, a NUL byte, an environment key containing `=` …).
    case invalidSpec(reason: String)
    /// The executable name (no `/`) was not found in any directory of `searchPath`.
    case executableNotFound(name: String, searchPath: String)
    /// The executable path exists but is not a regular file the agent may execute.
    case notExecutable(path: String, reason: String)
    /// The sandbox directory (or its parent) could not be created or is already present from an earlier run.
    case sandboxUnavailable(path: String, errno: Int32, message: String)
    /// The requested working directory does not exist, is not a directory, or cannot be entered.
    case workingDirectoryUnavailable(path: String, errno: Int32, message: String)
    /// A resource limit above what the kernel or the agent's own hard limit allows.
    case resourceLimitTooHigh(limit: String, requested: UInt64, maximum: UInt64)
    /// `posix_spawn` failed; `errno` is what `exec` (or the spawn itself) reported.
    case spawnFailed(executable: String, errno: Int32, message: String)
    /// Another system call failed (`call` names it; `path` when it concerned a file).
    case systemCallFailed(call: String, path: String?, errno: Int32, message: String)
    /// This host or containerizer lacks something the request needs (a C library facility such as
    /// `posix_spawn_file_actions_addchdir_np`, root, a cgroup controller, resizing a running container).
    case unsupported(String)

    /// A one-line, human-readable explanation.
    public var description: String {
        switch self {
        case .invalidContainerID(let id):
            "invalid container ID \"\(id)\": use 1–128 characters from A-Z a-z 0-9 . _ - (not . or ..)"
        case .containerAlreadyExists(let id): "container \(id) already exists"
        case .unknownContainer(let id): "unknown container \(id)"
        case .invalidSpec(let reason): "invalid container spec: \(reason)"
        case .executableNotFound(let name, let searchPath): "executable \"\(name)\" not found in PATH \(searchPath)"
        case .notExecutable(let path, let reason): "\(path) is not executable: \(reason)"
        case .sandboxUnavailable(let path, let code, let message):
            "cannot create sandbox \(path): \(message) (errno \(code))"
        case .workingDirectoryUnavailable(let path, let code, let message):
            "cannot use working directory \(path): \(message) (errno \(code))"
        case .resourceLimitTooHigh(let limit, let requested, let maximum):
            "resource limit \(limit)=\(requested) exceeds the maximum \(maximum)"
        case .spawnFailed(let executable, let code, let message):
            "cannot execute \(executable): \(message) (errno \(code))"
        case .systemCallFailed(let call, let path, let code, let message):
            "\(call)\(path.map { "(\($0))" } ?? "") failed: \(message) (errno \(code))"
        case .unsupported(let what): "unsupported here: \(what)"
        }
    }

    /// `strerror(code)` as a Swift string.
    package static func message(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "errno \(code)" }
        return String(cString: text)
    }

    /// A ``systemCallFailed(call:path:errno:message:)`` for the current `errno`.
    package static func system(_ call: String, path: String? = nil, errno code: Int32 = errno) -> ContainerizerError {
        .systemCallFailed(call: call, path: path, errno: code, message: message(code))
    }
}
