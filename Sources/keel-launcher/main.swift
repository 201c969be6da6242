// keel-launcher: started by the Linux containerizer with posix_spawn (the agent itself never forks). It joins the
// container's cgroups, applies rlimits, enters new namespaces and — with a pid namespace — forks a tiny init
// (pid 1: reaps zombies, forwards SIGTERM/SIGINT/SIGHUP/SIGQUIT/SIGUSR1/SIGUSR2, exits once the task did) which
// forks the task (pid 2). The task switches user and group, reduces every capability set to the allowed set with
// libcap, sets no_new_privs and execs. The launcher itself stays outside as the containerizer's child: it forwards
// the same signals to the init and ends exactly like the task did (same exit code, or the same signal).
//
// Failures before exec are written to descriptor 3 (see KeelLaunch.LaunchFailure) and end the process with 127.
#if canImport(Glibc)
import Glibc
#endif
import CKeelLauncher
import KeelLaunch

let errorPipe: Int32 = 3
let forwardedSignals: [Int32] = [SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2]

/// Reports a failure on the error pipe (or stderr when there is none) and exits with 127.
func fail(_ call: String, _ code: Int32, _ detail: String) -> Never {
    let bytes = LaunchFailure(call: call, errno: code, detail: detail).encoded
    let written = bytes.withUnsafeBytes { write(errorPipe, $0.baseAddress, $0.count) }
    if written < 0 {
        let text = Array("keel-launcher: \(call)(\(detail)): errno \(code)\n".utf8)
        _ = text.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    }
    _exit(127)
}

/// Writes `text` to an existing file (cgroup control files).
func writeFile(_ path: String, _ text: String) -> Int32? {
    let fd = open(path, O_WRONLY | O_CLOEXEC)
    guard fd >= 0 else { return errno }
    defer { close(fd) }
    let bytes = Array(text.utf8)
    let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    return written == bytes.count ? nil : errno
}

let request: LaunchRequest
do {
    request = try LaunchRequest(arguments: Array(CommandLine.arguments.dropFirst()))
} catch {
    fail("arguments", 0, error.description)
}
_ = fcntl(errorPipe, F_SETFD, FD_CLOEXEC)

// 1. cgroups first, so everything forked below is accounted and limited.
for path in request.cgroupProcs {
    if let code = writeFile(path, "0") { fail("cgroup attach", code, path) }
}
// 2. rlimits (soft = hard), inherited by the init and the task.
for limit in request.rlimits {
    var value = rlimit(rlim_cur: rlim_t(limit.value), rlim_max: rlim_t(limit.value))
    if setrlimit(__rlimit_resource_t(UInt32(limit.resource)), &value) != 0 {
        fail("setrlimit", errno, "resource \(limit.resource) = \(limit.value)")
    }
}
// 3. Signals the launcher and the init forward are blocked (and caught, so a pid-namespace init receives them) and
//    taken with sigwait; the task unblocks them before exec (exec resets caught handlers to the default).
var waited = sigset_t()
sigemptyset(&waited)
for signal in forwardedSignals + [SIGCHLD] {
    sigaddset(&waited, signal)
    _ = Glibc.signal(signal) { _ in }
}
sigprocmask(SIG_BLOCK, &waited, nil)

// 4. Namespaces.
let spaces = request.namespaces
var flags: Int32 = 0
if spaces.pid { flags |= keel_clone_newpid }
if spaces.mount { flags |= keel_clone_newns }
if spaces.uts { flags |= keel_clone_newuts }
if spaces.ipc { flags |= keel_clone_newipc }
if spaces.network { flags |= keel_clone_newnet }
if flags != 0, keel_unshare(flags) != 0 { fail("unshare", errno, "flags \(flags)") }
if spaces.mount, keel_make_mounts_private() != 0 { fail("mount", errno, "/ (make private)") }
if spaces.uts, let name = request.hostname {
    let bytes = Array(name.utf8)
    if bytes.withUnsafeBufferPointer({ buffer in
        buffer.withMemoryRebound(to: CChar.self) { keel_sethostname($0.baseAddress, $0.count) }
    }) != 0 { fail("sethostname", errno, name) }
}
if spaces.network, keel_loopback_up() != 0 { fail("ioctl", errno, "lo up") }

if !spaces.pid {
    if spaces.mount { Mounts.prepare(request, freshProc: false) }
    TaskExec.exec(request)
}

// 5. A pid namespace: the next child is its pid 1 (the init), which forks the task.
var statusPipe: [Int32] = [-1, -1]
if pipe(&statusPipe) != 0 { fail("pipe", errno, "status pipe") }
for fd in statusPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }  // single-threaded here: no spawn can race
let initPID = fork()
if initPID < 0 { fail("fork", errno, "init") }
if initPID == 0 {
    close(statusPipe[0])
    _ = keel_set_parent_death_signal(SIGKILL)
    if spaces.mount { Mounts.prepare(request, freshProc: true) }
    let taskPID = fork()
    if taskPID < 0 { fail("fork", errno, "task") }
    if taskPID == 0 {
        close(statusPipe[1])
        TaskExec.exec(request)
    }
    close(errorPipe)
    Supervisor.initLoop(task: taskPID, statusPipe: statusPipe[1], waited: waited)
}
close(errorPipe)
close(statusPipe[1])
Supervisor.outerLoop(initPID: initPID, statusPipe: statusPipe[0], waited: waited)
