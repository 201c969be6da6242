/// Why `keel-launcher` could not start a task, as written to the error pipe (descriptor 3) before it gives up.
///
/// The pipe is close-on-exec: a successful `exec` closes the task's end, and the launcher and its init close theirs
/// once the task is forked, so the containerizer reads end-of-file (success) or exactly one report.
public struct LaunchFailure: Sendable, Hashable, CustomStringConvertible {
    /// The step that failed: a system call (`unshare`, `execve`, `cap_set_proc`, …) or `arguments`.
    public var call: String
    /// Its `errno` (0 for a malformed request).
    public var errno: Int32
    /// The file or value concerned, or a message.
    public var detail: String

    /// A failure report.
    public init(call: String, errno: Int32, detail: String) {
        self.call = call
        self.errno = errno
        self.detail = detail
    }

    /// The bytes written to the pipe: three fields separated by the unit separator U+001F.
    public var encoded: [UInt8] { Array("\(call)\u{1F}\(errno)\u{1F}\(detail)".utf8) }

    /// Decodes ``encoded``; `nil` for anything else.
    public init?(decoding bytes: [UInt8]) {
        let fields = String(decoding: bytes, as: UTF8.self).split(separator: "\u{1F}", maxSplits: 2,
                                                                 omittingEmptySubsequences: false)
        guard fields.count == 3, !fields[0].isEmpty, let code = Int32(fields[1]) else { return nil }
        self.init(call: String(fields[0]), errno: code, detail: String(fields[2]))
    }

    /// `execve(/bin/x): errno 2 (…)`-style text without `strerror`.
    public var description: String { "\(call)(\(detail)) failed with errno \(errno)" }
}
