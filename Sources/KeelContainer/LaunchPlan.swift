#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Turns a ``ContainerSpec`` into a ``PosixSpawn/Request``: looks up the executable, checks the working directory,
/// creates the sandbox and opens its output files — everything that can fail for outside reasons fails here, with
/// a precise ``ContainerizerError``, before anything is spawned.
package struct LaunchPlan {
    /// What to spawn.
    package var request: PosixSpawn.Request
    /// The sandbox directory (created).
    package var sandbox: String

    /// Builds the plan; on failure removes what it created. On success the caller must call ``closeFiles()``.
    package init(spec: ContainerSpec, configuration: PosixContainerizerConfiguration) throws(ContainerizerError) {
        try spec.validate()
        try spec.limits.validate()
        sandbox = configuration.containersDirectory + "/" + spec.id.value
        var environment = spec.environment
        if environment["PATH"] == nil { environment["PATH"] = configuration.defaultSearchPath }
        if environment["KEEL_SANDBOX"] == nil { environment["KEEL_SANDBOX"] = sandbox }
        let workingDirectory = spec.workingDirectory ?? sandbox
        if let directory = spec.workingDirectory { try Self.checkDirectory(directory) }

        var path: String
        var arguments: [String]
        switch spec.command {
        case .shell(let line):
            path = try Self.resolve(configuration.shellPath, searchPath: configuration.defaultSearchPath, base: "/")
            arguments = [path, "-c", spec.limits.isEmpty ? line : spec.limits.shellPrefix + line]
        case .argv(let executable, let rest):
            path = try Self.resolve(executable, searchPath: environment["PATH"] ?? "", base: workingDirectory)
            arguments = [executable] + rest
            if !spec.limits.isEmpty {
                let shell = try Self.resolve(configuration.shellPath, searchPath: configuration.defaultSearchPath, base: "/")
                arguments = [shell, "-c", spec.limits.shellPrefix + "exec \"$0\" \"$@\"", path] + rest
                path = shell
            }
        }

        try Self.makeSandbox(sandbox, parent: configuration.containersDirectory, mode: configuration.sandboxPermissions)
        let output = open(sandbox + "/stdout", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o640)
        let error = output < 0 ? -1 : open(sandbox + "/stderr", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o640)
        guard output >= 0, error >= 0 else {
            let failure = ContainerizerError.system("open", path: sandbox + (output < 0 ? "/stdout" : "/stderr"))
            if output >= 0 { close(output) }
            Self.removeSandbox(sandbox)
            throw failure
        }
        request = PosixSpawn.Request(
            path: path,
            arguments: arguments,
            environment: environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" },
            workingDirectory: workingDirectory,
            standardOutput: output,
            standardError: error,
            closeOtherDescriptors: configuration.closeInheritedDescriptors)
    }

    /// Closes the parent's copies of the output files (the child has its own).
    package func closeFiles() {
        close(request.standardOutput)
        close(request.standardError)
    }

    /// Removes a sandbox directory tree; errors are ignored (best effort clean-up).
    package static func removeSandbox(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// `mkdir` the sandbox; creates the parent chain on `ENOENT` (first launch). `EEXIST` means a stale sandbox.
    private static func makeSandbox(_ path: String, parent: String, mode: UInt32) throws(ContainerizerError) {
        if mkdir(path, mode_t(mode)) == 0 { return }
        var code = errno
        if code == ENOENT {
            do {
                try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
            } catch {
                let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError
                let parentCode = Int32(underlying?.code ?? Int(EACCES))
                throw .sandboxUnavailable(path: parent, errno: parentCode, message: ContainerizerError.message(parentCode))
            }
            if mkdir(path, mode_t(mode)) == 0 { return }
            code = errno
        }
        throw .sandboxUnavailable(path: path, errno: code, message: ContainerizerError.message(code))
    }

    /// The working directory must exist, be a directory and be enterable.
    private static func checkDirectory(_ path: String) throws(ContainerizerError) {
        var info = stat()
        guard stat(path, &info) == 0 else {
            let code = errno
            throw .workingDirectoryUnavailable(path: path, errno: code, message: ContainerizerError.message(code))
        }
        guard info.st_mode & S_IFMT == S_IFDIR else {
            throw .workingDirectoryUnavailable(path: path, errno: ENOTDIR, message: ContainerizerError.message(ENOTDIR))
        }
        guard access(path, X_OK) == 0 else {
            let code = errno
            throw .workingDirectoryUnavailable(path: path, errno: code, message: ContainerizerError.message(code))
        }
    }

    /// `execvp`-style lookup: a name with `/` is used as is (relative to `base`), a bare name is searched in
    /// `searchPath`. The result must be a regular file the agent may execute.
    static func resolve(_ executable: String, searchPath: String, base: String) throws(ContainerizerError) -> String {
        if executable.contains("/") {
            let path = executable.hasPrefix("/") ? executable : base + "/" + executable
            if let reason = unusable(path) {
                if reason == ENOENT { throw .executableNotFound(name: executable, searchPath: "(none: a path)") }
                throw .notExecutable(path: path, reason: ContainerizerError.message(reason))
            }
            return path
        }
        var firstRefusal: (String, Int32)?
        for directory in searchPath.split(separator: ":", omittingEmptySubsequences: false) {
            let candidate = (directory.isEmpty ? "." : String(directory)) + "/" + executable
            guard let reason = unusable(candidate) else { return candidate }
            if reason != ENOENT, reason != ENOTDIR, firstRefusal == nil { firstRefusal = (candidate, reason) }
        }
        if let (path, reason) = firstRefusal {
            throw .notExecutable(path: path, reason: ContainerizerError.message(reason))
        }
        throw .executableNotFound(name: executable, searchPath: searchPath)
    }

    /// `nil` when `path` is an executable regular file, else the errno-style reason.
    private static func unusable(_ path: String) -> Int32? {
        var info = stat()
        guard stat(path, &info) == 0 else { return errno }
        guard info.st_mode & S_IFMT == S_IFREG else { return EACCES }
        return access(path, X_OK) == 0 ? nil : errno
    }
}
