#if canImport(Glibc)
import Glibc
#endif
import CKeelLinux
import Foundation
import KeelContainer
import KeelLog
import Synchronization

/// The agent's end of `keel-launcher --serve` (see `Sources/keel-launcher/serve.c` for the message format): one
/// long-lived launcher process that forks each container, so a launch costs a fork of a small process instead of
/// an exec and dynamic link of a new launcher from the agent (Proposal 0004, "Launch service").
///
/// Events (STARTED, EXITED) are read on a thread this type owns and handed to the per-container handler given to
/// ``launch(token:pidNamespace:arguments:environment:descriptors:onEvent:)``. When the service dies, every
/// container it held is reported as killed by SIGKILL (its inits die with it: `PR_SET_PDEATHSIG`).
///
/// Sendable: the socket and pid are immutable after init, everything mutable is behind a `Mutex`.
final class LaunchService: Sendable {
    enum Event: Sendable, Equatable {
        /// The container's first process exists (the init with a pid namespace, else the task).
        case started(pid: pid_t)
        /// The task ended with this raw wait status.
        case exited(rawStatus: Int32)
    }

    private struct State {
        var handlers: [UInt64: @Sendable (Event) -> Void] = [:]
        var dead = false
    }

    /// The service process.
    let pid: pid_t
    private let socket: Int32
    private let state = Mutex(State())
    private let logger: Logger

    /// The largest launch message (arguments and environment): the service's receive buffer.
    static let maximumMessage = 1 << 20

    /// Starts `launcherPath --serve` with a control socket as its descriptor 3.
    init(launcherPath: String, logger: Logger) throws(ContainerizerError) {
        var fds: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) == 0 else {
            throw .system("socketpair")
        }
        // Launch messages can be large (a task's whole environment): make room for several in flight.
        var size: Int32 = 4 << 20
        for fd in fds {
            _ = setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, socklen_t(MemoryLayout<Int32>.size))
            _ = setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var request = PosixSpawn.Request(path: launcherPath, arguments: [launcherPath, "--serve"],
                                         environment: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"], workingDirectory: "/",
                                         standardOutput: 2, standardError: 2, closeOtherDescriptors: true)
        request.descriptor3 = fds[1]
        let socket = fds[0]
        let launched: pid_t
        do {
            launched = try ProcessReaper.shared.spawn({ () throws(ContainerizerError) -> pid_t in
                try PosixSpawn.spawn(request)
            }, onExit: { exit in logger.warning("the launch service ended", ["pid": exit.pid, "status": "\(exit.status)"]) })
        } catch {
            close(fds[0])
            close(fds[1])
            throw error
        }
        close(fds[1])
        self.pid = launched
        self.socket = socket
        self.logger = logger
        let thread = Thread { [self] in self.readEvents() }
        thread.name = "keel-launch-service"
        thread.start()
    }

    /// Whether the service is gone (a new one must be started for further launches).
    var isDead: Bool { state.withLock { $0.dead } }

    /// Asks the service to start a container. `descriptors` are the container's stdout, stderr and error channel
    /// (its descriptor 3); they are duplicated into the service, the caller keeps (and closes) its own. `onEvent`
    /// gets STARTED and then EXITED, on the service's reader thread.
    func launch(token: UInt64, pidNamespace: Bool, arguments: [String], environment: [String],
                descriptors: (output: Int32, error: Int32, channel: Int32),
                onEvent: @escaping @Sendable (Event) -> Void) throws(ContainerizerError) {
        var message: [UInt8] = []
        append(UInt32(UInt8(ascii: "L")), to: &message)
        append(UInt32(pidNamespace ? 1 : 0), to: &message)
        append(UInt32(arguments.count), to: &message)
        append(UInt32(environment.count), to: &message)
        append(token, to: &message)
        for string in arguments + environment {
            guard !string.utf8.contains(0) else { throw .invalidSpec(reason: "an argument or variable contains NUL") }
            message += string.utf8
            message.append(0)
        }
        guard message.count <= Self.maximumMessage else {
            throw .invalidSpec(reason: "arguments and environment take \(message.count) bytes; at most "
                               + "\(Self.maximumMessage) fit one launch")
        }
        let registered = state.withLock { state -> Bool in
            guard !state.dead else { return false }
            state.handlers[token] = onEvent
            return true
        }
        guard registered else { throw .unsupported("the launch service is gone") }
        let fds = [descriptors.output, descriptors.error, descriptors.channel]
        let sent = message.withUnsafeBytes { bytes in
            fds.withUnsafeBufferPointer { keel_send_with_descriptors(socket, bytes.baseAddress, bytes.count, $0.baseAddress, 3) }
        }
        guard sent == message.count else {
            let code = errno
            _ = state.withLock { $0.handlers.removeValue(forKey: token) }
            throw .system("sendmsg to the launch service", errno: code)
        }
    }

    /// Sends `signal` to the container's init (or, without a pid namespace, its process group), if it still runs.
    func signal(token: UInt64, _ signal: Int32) {
        var message: [UInt8] = []
        append(UInt32(UInt8(ascii: "S")), to: &message)
        append(UInt32(bitPattern: signal), to: &message)
        append(UInt32(0), to: &message)
        append(UInt32(0), to: &message)
        append(token, to: &message)
        _ = message.withUnsafeBytes { keel_send_with_descriptors(socket, $0.baseAddress, $0.count, nil, 0) }
    }

    /// Closes the control socket: the service kills every container it holds and exits.
    func shutdown() {
        _ = Glibc.shutdown(socket, Int32(SHUT_RDWR))
    }

    private func append<Value: FixedWidthInteger>(_ value: Value, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value) { bytes += $0 }
    }

    /// The reader thread: STARTED and EXITED events until the service closes its end.
    private func readEvents() {
        var event = [UInt8](repeating: 0, count: 16)
        while true {
            let got = event.withUnsafeMutableBytes { recv(socket, $0.baseAddress, 16, 0) }
            if got < 0, errno == EINTR { continue }
            guard got == 16 else { break }
            let (kind, value, token) = event.withUnsafeBytes { raw in
                (raw.load(fromByteOffset: 0, as: UInt32.self), raw.load(fromByteOffset: 4, as: Int32.self),
                 raw.load(fromByteOffset: 8, as: UInt64.self))
            }
            switch kind {
            case UInt32(UInt8(ascii: "P")):
                let handler = state.withLock { $0.handlers[token] }
                handler?(.started(pid: value))
            case UInt32(UInt8(ascii: "E")):
                let handler = state.withLock { $0.handlers.removeValue(forKey: token) }
                handler?(.exited(rawStatus: value))
            default:
                logger.error("unknown event from the launch service", ["kind": kind])
            }
        }
        // The service is gone, and with it every container (their inits die with it): report them killed.
        let orphans = state.withLock { state -> [@Sendable (Event) -> Void] in
            state.dead = true
            defer { state.handlers.removeAll() }
            return Array(state.handlers.values)
        }
        if !orphans.isEmpty { logger.error("the launch service is gone; its containers were killed", ["count": orphans.count]) }
        for handler in orphans { handler(.exited(rawStatus: SIGKILL)) }
    }

    deinit { close(socket) }
}
