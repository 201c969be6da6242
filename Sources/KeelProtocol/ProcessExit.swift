/// How an executor's or command task's process ended, as the agent observed it. (Not named `ExitStatus`, which
/// Swift Testing declares.)
public enum ProcessExit: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The process exited with this code.
    case exited(code: Int32)
    /// The process was terminated by this signal.
    case signaled(signal: Int32)

    /// Whether the process exited with code 0.
    public var isSuccess: Bool { self == .exited(code: 0) }

    /// `exited with code 3` or `terminated by signal 9`.
    public var description: String {
        switch self {
        case .exited(let code): "exited with code \(code)"
        case .signaled(let signal): "terminated by signal \(signal)"
        }
    }
}
