#if canImport(Glibc)
import Glibc
#endif
import Dispatch

/// Waits for a process that need not be our child to end: its pidfd becomes readable at its exit. The wait runs on
/// a Dispatch thread, never the cooperative pool. (Tests use it to see a killed orphan go without polling.)
package enum ProcessExitWatch {
    /// Whether process `pid` ended within `timeout`; `true` at once when there is no such process. The caller makes
    /// sure `pid` still names the process it means (the pidfd then pins that process).
    package static func waitForExit(of pid: pid_t, within timeout: Duration) async -> Bool {
        guard let pidfdOpen = GNUExtensions.pidfdOpen else { return false }
        let fd = pidfdOpen(pid, 0)
        guard fd >= 0 else { return errno == ESRCH }
        let milliseconds = Int32(clamping: timeout.components.seconds * 1_000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                defer { close(fd) }
                var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                var ready: Int32
                repeat { ready = poll(&entry, 1, milliseconds) } while ready < 0 && errno == EINTR
                continuation.resume(returning: ready > 0)
            }
        }
    }
}
