#if canImport(Glibc)
import Glibc
#endif
import CKeelLinux
import Foundation
import KeelLog
import Synchronization

/// Collects the exits of the children the containerizer spawned, on one dedicated thread, so nothing ever blocks
/// the cooperative pool.
///
/// **Only its own children.** Each spawned child gets a pidfd (`pidfd_open`, Linux 5.3 / glibc 2.36), registered on
/// the reaper's `epoll` set; when a pidfd becomes readable the child has exited and the thread reaps exactly that pid
/// with `wait4(pid, WNOHANG)`, which also yields its rusage. It never calls `wait(-1)`, so children started elsewhere
/// in the process (a `Foundation.Process` in a test or a benchmark, glibc's clean-up of a failed `posix_spawn`) are
/// left to their owners. The pidfd is opened while the child is still unreaped, so it cannot refer to a recycled pid.
///
/// **No lost exits.** The pidfd is registered, and the exit callback recorded, under the reaper's lock before the
/// thread can see the child's event (a child that already exited makes its pidfd readable at once); the thread takes
/// the same lock to look the callback up. If someone else reaped the child (`waitpid(-1)` elsewhere, or `SIGCHLD` set
/// to `SIG_IGN`), `wait4` fails with `ECHILD` and the exit is reported with an unknown status.
///
/// The exit callbacks run on the reaper thread and must be quick and non-blocking (resume continuations).
package final class ProcessReaper: Sendable {
    /// How a child ended.
    package struct Exit: Sendable {
        /// Its pid.
        package var pid: pid_t
        /// Decoded wait status.
        package var status: ContainerTermination.Status
        /// Its `wait4` rusage; `nil` when the status is unknown.
        package var usage: ResourceUsage?
        /// When the reaper collected it (Unix seconds).
        package var time: Double
    }

    private struct Entry {
        var pidfd: Int32
        var onExit: @Sendable (Exit) -> Void
    }

    private struct State {
        var entries: [pid_t: Entry] = [:]
        var epollFD: Int32 = -1
    }

    /// The process-wide reaper.
    package static let shared = ProcessReaper()

    private let state = Mutex(State())
    private let logger = Logger(label: "keel.container.reaper")

    private init() {}

    /// Number of spawned children whose exit has not been collected yet.
    package var outstanding: Int { state.withLock { $0.entries.count } }

    /// Runs `body` (which spawns one child and returns its pid), then watches that child and calls `onExit` once
    /// when it has been reaped. Starts the reaper thread on first use. If the child cannot be watched (out of file
    /// descriptors), it is killed and reaped here and the error is thrown: no child is ever left unsupervised.
    package func spawn(
        _ body: () throws(ContainerizerError) -> pid_t,
        onExit: @escaping @Sendable (Exit) -> Void
    ) throws(ContainerizerError) -> pid_t {
        guard let pidfdOpen = GNUExtensions.pidfdOpen else { throw .unsupported("pidfd_open (glibc 2.36, Linux 5.3)") }
        let epollFD = try startIfNeeded()
        let pid = try body()
        let failure: ContainerizerError? = state.withLock { state in
            let pidfd = pidfdOpen(pid, 0)  // pidfds are always close-on-exec
            guard pidfd >= 0 else { return .system("pidfd_open") }
            var event = epoll_event()
            event.events = EPOLLIN.rawValue
            event.data.fd = pid
            guard epoll_ctl(epollFD, EPOLL_CTL_ADD, pidfd, &event) == 0 else {
                let failure = ContainerizerError.system("epoll_ctl")
                close(pidfd)
                return failure
            }
            state.entries[pid] = Entry(pidfd: pidfd, onExit: onExit)
            return nil
        }
        if let failure {
            Glibc.kill(-pid, SIGKILL)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            throw failure
        }
        return pid
    }

    private func startIfNeeded() throws(ContainerizerError) -> Int32 {
        try state.withLock { (state) throws(ContainerizerError) -> Int32 in
            if state.epollFD >= 0 { return state.epollFD }
            let fd = epoll_create1(Int32(EPOLL_CLOEXEC))
            guard fd >= 0 else { throw .system("epoll_create1") }
            state.epollFD = fd
            let thread = Thread { [self] in self.run(epollFD: fd) }
            thread.name = "keel-reaper"
            thread.stackSize = 256 << 10
            thread.start()
            return fd
        }
    }

    private func run(epollFD: Int32) {
        var events = [epoll_event](repeating: epoll_event(), count: 64)
        while true {
            let count = epoll_wait(epollFD, &events, Int32(events.count), -1)
            guard count > 0 else { continue }  // EINTR
            for index in 0..<Int(count) { reap(events[index].data.fd, epollFD: epollFD) }
        }
    }

    private func reap(_ pid: pid_t, epollFD: Int32) {
        var raw: Int32 = 0
        var usage = rusage()
        var result: pid_t
        repeat { result = wait4(pid, &raw, WNOHANG, &usage) } while result < 0 && errno == EINTR
        if result == 0 { return }  // not exited after all; the level-triggered event comes back when it has
        let now = Clock.unixNow()
        let exit = result == pid
            ? Exit(pid: pid, status: ContainerTermination.status(fromWaitStatus: raw),
                   usage: ResourceUsage(rusage: usage, timestamp: now), time: now)
            : Exit(pid: pid, status: .unknown, usage: nil, time: now)
        let entry = state.withLock { state -> Entry? in
            guard let entry = state.entries.removeValue(forKey: pid) else { return nil }
            epoll_ctl(epollFD, EPOLL_CTL_DEL, entry.pidfd, nil)
            close(entry.pidfd)
            return entry
        }
        if result != pid {
            logger.warning("a child was reaped outside the containerizer; its exit status is lost", ["pid": pid])
        }
        entry?.onExit(exit)
    }
}
