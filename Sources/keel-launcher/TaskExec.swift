#if canImport(Glibc)
import Glibc
#endif
import CKeelLauncher
import CLibcap
import KeelLaunch

/// The last steps in the task's own process: working directory, capabilities, user and group, no_new_privs, an
/// empty signal mask, `execve`.
enum TaskExec {
    static func exec(_ request: LaunchRequest) -> Never {
        if chdir(request.workingDirectory) != 0 { fail("chdir", errno, request.workingDirectory) }
        if let allowed = request.capabilities { Capabilities.dropBounding(keeping: allowed) }
        if request.user != nil || request.group != nil {
            // Keep the permitted set across setuid; the sets are reduced (and effective restored) just below.
            if request.capabilities != nil, keel_set_keep_caps(1) != 0 { fail("prctl", errno, "PR_SET_KEEPCAPS") }
            if let group = request.group {
                var groups = [gid_t(group)]
                if keel_setgroups(1, &groups) != 0 { fail("setgroups", errno, String(group)) }
                if setgid(gid_t(group)) != 0 { fail("setgid", errno, String(group)) }
            }
            if let user = request.user, setuid(uid_t(user)) != 0 { fail("setuid", errno, String(user)) }
        }
        if let allowed = request.capabilities { Capabilities.apply(allowed) }
        if request.noNewPrivileges, keel_set_no_new_privs() != 0 { fail("prctl", errno, "PR_SET_NO_NEW_PRIVS") }
        var empty = sigset_t()
        sigemptyset(&empty)
        sigprocmask(SIG_SETMASK, &empty, nil)
        let argv = request.arguments.map { strdup($0) } + [nil]
        execve(request.program, argv, Glibc.environ)
        fail("execve", errno, request.program)
    }
}

/// Capability sets through libcap.
enum Capabilities {
    /// Removes every capability but `allowed` from the bounding set (needs CAP_SETPCAP: done before setuid).
    static func dropBounding(keeping allowed: [Int32]) {
        let keep = Set(allowed)
        let highest = cap_max_bits()
        for cap in 0..<highest where !keep.contains(Int32(cap)) {
            if cap_drop_bound(cap_value_t(cap)) != 0, errno != EINVAL {
                fail("cap_drop_bound", errno, "capability \(cap)")
            }
        }
    }

    /// Permitted, effective and inheritable become exactly `allowed`; ambient too (so the set survives `exec` for
    /// a non-root user).
    static func apply(_ allowed: [Int32]) {
        guard let sets = cap_init() else { fail("cap_init", errno, "") }
        var values = allowed.map { cap_value_t($0) }
        if !values.isEmpty {
            for flag in [CAP_PERMITTED, CAP_EFFECTIVE, CAP_INHERITABLE] {
                if cap_set_flag(sets, flag, Int32(values.count), &values, CAP_SET) != 0 {
                    fail("cap_set_flag", errno, "\(allowed)")
                }
            }
        }
        if cap_set_proc(sets) != 0 { fail("cap_set_proc", errno, "\(allowed)") }
        cap_free(UnsafeMutableRawPointer(sets))
        if cap_reset_ambient() != 0, errno != EINVAL { fail("cap_reset_ambient", errno, "") }
        for value in values where cap_set_ambient(value, CAP_SET) != 0 {
            fail("cap_set_ambient", errno, "capability \(value)")
        }
    }
}

/// The mount namespace's private `/proc` and `/tmp`.
enum Mounts {
    /// A fresh procfs on `/proc` (when `freshProc`: the caller is in the new pid namespace) and a tmpfs on `/tmp`;
    /// a sandbox below `/tmp` is bound back at its own path so the task still finds it.
    static func prepare(_ request: LaunchRequest, freshProc: Bool) {
        if freshProc, keel_mount_proc("/proc") != 0 { fail("mount", errno, "proc on /proc") }
        var sandboxFD: Int32 = -1
        if let sandbox = request.sandbox, sandbox.hasPrefix("/tmp/") {
            sandboxFD = open(sandbox, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if sandboxFD < 0 { fail("open", errno, sandbox) }
        }
        if keel_mount_tmpfs("/tmp") != 0 { fail("mount", errno, "tmpfs on /tmp") }
        guard sandboxFD >= 0, let sandbox = request.sandbox else { return }
        var path = ""
        for component in sandbox.split(separator: "/") {
            path += "/" + component
            if mkdir(path, 0o755) != 0, errno != EEXIST { fail("mkdir", errno, path) }
        }
        if keel_bind_mount("/proc/self/fd/\(sandboxFD)", sandbox) != 0 { fail("mount", errno, "bind \(sandbox)") }
        close(sandboxFD)
    }
}
