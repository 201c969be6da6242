#if canImport(Glibc)
import Glibc
#endif

/// Small, allocation-light readers for `/proc`.
package enum ProcFiles {
    /// The whole (small) file as text, or `nil` when it cannot be read (e.g. the process is gone).
    package static func read(_ path: String, limit: Int = 4096) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: limit)
        var count = 0
        while count < limit {
            let got = bytes.withUnsafeMutableBytes { buffer in
                Glibc.read(fd, buffer.baseAddress! + count, limit - count)
            }
            if got < 0 && errno == EINTR { continue }
            if got <= 0 { break }
            count += got
        }
        return String(decoding: bytes[0..<count], as: UTF8.self)
    }

    /// Every numeric entry of `/proc`.
    package static func processIDs() -> [pid_t] {
        guard let directory = opendir("/proc") else { return [] }
        defer { closedir(directory) }
        var result: [pid_t] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw -> String in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if let pid = pid_t(name) { result.append(pid) }
        }
        return result
    }

    /// The fields of `/proc/<pid>/stat` the containerizer needs.
    struct Stat {
        /// Field 3: `R`, `S`, `D`, `Z`, …
        var state: Character
        /// Field 4.
        var parent: pid_t
        /// Field 5.
        var processGroup: pid_t
        /// Fields 14–17, in clock ticks.
        var userTicks: UInt64, systemTicks: UInt64, childUserTicks: UInt64, childSystemTicks: UInt64
        /// Field 22: when the process started, in clock ticks since boot (with the pid, its identity).
        var startTicks: UInt64
        /// Field 24, in pages.
        var residentPages: UInt64

        /// Parses `/proc/<pid>/stat`; `nil` when the process is gone or the file is malformed.
        init?(pid: pid_t) {
            guard let text = ProcFiles.read("/proc/\(pid)/stat") else { return nil }
            self.init(text: text)
        }

        /// Parses the text of a stat file. The command name (field 2) may contain spaces and parentheses, so the
        /// fields are counted from the *last* `)`.
        init?(text: String) {
            guard let close = text.lastIndex(of: ")") else { return nil }
            let fields = text[text.index(after: close)...].split(separator: " ", omittingEmptySubsequences: true)
            // fields[0] is field 3 (state), so field n is fields[n - 3].
            guard fields.count > 21, let state = fields[0].first,
                  let parent = pid_t(fields[1]), let group = pid_t(fields[2]),
                  let user = Int64(fields[11]), let system = Int64(fields[12]),
                  let childUser = Int64(fields[13]), let childSystem = Int64(fields[14]),
                  let start = UInt64(fields[19]), let resident = Int64(fields[21])
            else { return nil }
            self.state = state
            self.parent = parent
            self.processGroup = group
            self.userTicks = UInt64(max(0, user))
            self.systemTicks = UInt64(max(0, system))
            self.childUserTicks = UInt64(max(0, childUser))
            self.childSystemTicks = UInt64(max(0, childSystem))
            self.startTicks = start
            self.residentPages = UInt64(max(0, resident))
        }
    }
}
