#if canImport(Glibc)
import Glibc
#endif

/// A thin, allocation-conscious wrapper around `posix_spawn` (never `fork`: its cost grows with the parent's
/// memory — 42 ms from a 1 GiB parent — while `posix_spawn` stays around half a millisecond).
///
/// The child gets: stdin from `/dev/null`; stdout and stderr dup'ed from the given descriptors; the working directory
/// (`posix_spawn_file_actions_addchdir_np`); every other inherited descriptor closed
/// (`posix_spawn_file_actions_addclosefrom_np`, where the C library has it); its own process group
/// (`POSIX_SPAWN_SETPGROUP` with group 0, so the group ID is the child's pid); an empty signal mask and *every*
/// signal reset to its default action (`POSIX_SPAWN_SETSIGMASK`, `POSIX_SPAWN_SETSIGDEF`), so a signal the agent
/// ignores (e.g. `SIGPIPE`) is not ignored by the task.
package enum PosixSpawn {
    /// What to spawn.
    package struct Request {
        /// The program's path (absolute, or relative to `workingDirectory`).
        package var path: String
        /// argv, including argv[0].
        package var arguments: [String]
        /// `KEY=value` strings.
        package var environment: [String]
        /// Absolute directory the child starts in.
        package var workingDirectory: String
        /// Descriptor that becomes the child's stdout.
        package var standardOutput: Int32
        /// Descriptor that becomes the child's stderr.
        package var standardError: Int32
        /// Whether to close every inherited descriptor above 2 (above 3 with ``descriptor3``).
        package var closeOtherDescriptors: Bool
        /// A descriptor (not 3 itself) that becomes the child's descriptor 3 (the Linux launcher's error pipe);
        /// `nil` (the default) for none.
        package var descriptor3: Int32? = nil

        /// A request.
        package init(path: String, arguments: [String], environment: [String], workingDirectory: String,
                     standardOutput: Int32, standardError: Int32, closeOtherDescriptors: Bool, descriptor3: Int32? = nil) {
            self.path = path
            self.arguments = arguments
            self.environment = environment
            self.workingDirectory = workingDirectory
            self.standardOutput = standardOutput
            self.standardError = standardError
            self.closeOtherDescriptors = closeOtherDescriptors
            self.descriptor3 = descriptor3
        }
    }

    /// Spawns `request`; returns the child's pid (also its process group ID).
    package static func spawn(_ request: Request) throws(ContainerizerError) -> pid_t {
        guard let addChdir = GNUExtensions.addChdir else {
            throw .unsupported("posix_spawn_file_actions_addchdir_np (glibc 2.29 or newer)")
        }
        var actions = posix_spawn_file_actions_t()
        guard posix_spawn_file_actions_init(&actions) == 0 else { throw .system("posix_spawn_file_actions_init") }
        defer { posix_spawn_file_actions_destroy(&actions) }
        var attributes = posix_spawnattr_t()
        guard posix_spawnattr_init(&attributes) == 0 else { throw .system("posix_spawnattr_init") }
        defer { posix_spawnattr_destroy(&attributes) }

        var code = posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        if code == 0 { code = posix_spawn_file_actions_adddup2(&actions, request.standardOutput, 1) }
        if code == 0 { code = posix_spawn_file_actions_adddup2(&actions, request.standardError, 2) }
        if code == 0 { code = request.workingDirectory.withCString { addChdir(&actions, $0) } }
        if code == 0, let extra = request.descriptor3 { code = posix_spawn_file_actions_adddup2(&actions, extra, 3) }
        if code == 0, request.closeOtherDescriptors, let closeFrom = GNUExtensions.addCloseFrom {
            code = closeFrom(&actions, request.descriptor3 == nil ? 3 : 4)
        }
        guard code == 0 else { throw .system("posix_spawn_file_actions", errno: code) }

        var signals = sigset_t()
        sigemptyset(&signals)
        code = posix_spawnattr_setsigmask(&attributes, &signals)
        sigfillset(&signals)
        if code == 0 { code = posix_spawnattr_setsigdefault(&attributes, &signals) }
        if code == 0 { code = posix_spawnattr_setpgroup(&attributes, 0) }
        let flags = POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF
        if code == 0 { code = posix_spawnattr_setflags(&attributes, Int16(flags)) }
        guard code == 0 else { throw .system("posix_spawnattr", errno: code) }

        let argv = CStringArray(request.arguments)
        defer { argv.free() }
        let envp = CStringArray(request.environment)
        defer { envp.free() }
        var pid: pid_t = 0
        code = posix_spawn(&pid, request.path, &actions, &attributes, argv.pointers, envp.pointers)
        guard code == 0 else {
            throw .spawnFailed(executable: request.path, errno: code, message: ContainerizerError.message(code))
        }
        return pid
    }
}

/// A NULL-terminated array of C strings, freed explicitly.
private struct CStringArray {
    var pointers: [UnsafeMutablePointer<CChar>?]

    init(_ strings: [String]) {
        pointers = strings.map { strdup($0) }
        pointers.append(nil)
    }

    func free() {
        for pointer in pointers { Glibc.free(pointer) }
    }
}

/// glibc extensions that the Glibc module map hides behind `_GNU_SOURCE`, resolved once with `dlsym`.
///
/// The function types match the prototypes in glibc's `<spawn.h>`:
/// `int posix_spawn_file_actions_addchdir_np(posix_spawn_file_actions_t *, const char *)` (glibc 2.29) and
/// `int posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *, int)` (glibc 2.34) and
/// `int pidfd_open(pid_t, unsigned int)` (glibc 2.36, `<sys/pidfd.h>`).
enum GNUExtensions {
    typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
    typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    typealias PidfdOpen = @convention(c) (pid_t, UInt32) -> Int32

    static let addChdir: AddChdir? = symbol("posix_spawn_file_actions_addchdir_np").map {
        unsafeBitCast($0, to: AddChdir.self)
    }
    static let addCloseFrom: AddCloseFrom? = symbol("posix_spawn_file_actions_addclosefrom_np").map {
        unsafeBitCast($0, to: AddCloseFrom.self)
    }

    static let pidfdOpen: PidfdOpen? = symbol("pidfd_open").map { unsafeBitCast($0, to: PidfdOpen.self) }

    private static func symbol(_ name: String) -> UnsafeMutableRawPointer? {
        guard let process = dlopen(nil, RTLD_NOW) else { return nil }
        return dlsym(process, name)
    }
}
