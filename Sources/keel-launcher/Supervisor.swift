#if canImport(Glibc)
import Glibc
#endif

/// The launcher's two waiting roles, both driven by `sigwait` on the blocked signals (no handlers run).
enum Supervisor {
    /// pid 1 of the task's pid namespace: reaps every zombie, forwards signals to every process of the namespace
    /// (`kill(-1, …)`), and once the task ended writes its raw wait status to `statusPipe` and exits (the kernel then
    /// kills whatever else still runs in the namespace).
    static func initLoop(task: pid_t, statusPipe: Int32, waited: sigset_t) -> Never {
        var set = waited
        while true {
            var signal: Int32 = 0
            guard sigwait(&set, &signal) == 0 else { continue }
            guard signal == SIGCHLD else {
                kill(-1, signal)
                continue
            }
            var taskStatus: Int32?
            while true {
                var status: Int32 = 0
                let pid = waitpid(-1, &status, WNOHANG)
                if pid <= 0 { break }
                if pid == task { taskStatus = status }
            }
            if var status = taskStatus {
                _ = write(statusPipe, &status, MemoryLayout<Int32>.size)
                _exit(0)
            }
        }
    }

    /// The launcher outside the namespace (the containerizer's child): forwards signals to the init and, once the
    /// init is gone, ends like the task did (its status from `statusPipe`; the init's own when there is none).
    static func outerLoop(initPID: pid_t, statusPipe: Int32, waited: sigset_t) -> Never {
        var set = waited
        while true {
            var signal: Int32 = 0
            guard sigwait(&set, &signal) == 0 else { continue }
            guard signal == SIGCHLD else {
                kill(initPID, signal)
                continue
            }
            var status: Int32 = 0
            guard waitpid(initPID, &status, WNOHANG) == initPID else { continue }
            var taskStatus: Int32 = 0
            let got = read(statusPipe, &taskStatus, MemoryLayout<Int32>.size)
            finish(got == MemoryLayout<Int32>.size ? taskStatus : status)
        }
    }

    /// Exits with the code, or dies of the signal (without a core file), that `raw` describes.
    static func finish(_ raw: Int32) -> Never {
        let signal = raw & 0x7f
        if signal == 0 { _exit((raw >> 8) & 0xff) }
        var noCore = rlimit(rlim_cur: 0, rlim_max: 0)
        setrlimit(__rlimit_resource_t(RLIMIT_CORE.rawValue), &noCore)
        _ = Glibc.signal(signal, nil)
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, signal)
        sigprocmask(SIG_UNBLOCK, &set, nil)
        kill(getpid(), signal)
        _exit(128 + signal)
    }
}
