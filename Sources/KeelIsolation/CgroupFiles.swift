#if canImport(Glibc)
import Glibc
#endif
import KeelContainer

/// The thin I/O over cgroup file systems: writes, reads, directories, and killing everything in a cgroup.
enum CgroupFiles {
    /// Writes `value` to an existing control file.
    static func write(_ path: String, _ value: String) throws(ContainerizerError) {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .system("open", path: path) }
        defer { close(fd) }
        let bytes = Array(value.utf8)
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw .system("write \"\(value)\"", path: path) }
    }

    /// The file's text, `nil` when it cannot be read.
    static func read(_ path: String) -> String? { ProcFiles.read(path, limit: 64 << 10) }

    /// Whether `path` exists.
    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// `mkdir -p`; an existing directory is fine.
    static func makeDirectories(_ path: String) throws(ContainerizerError) {
        var prefix = ""
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, 0o755) != 0, errno != EEXIST { throw .system("mkdir", path: prefix) }
        }
    }

    /// The names of the subdirectories of `path`.
    static func subdirectories(_ path: String) -> [String] {
        guard let directory = opendir(path) else { return [] }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            guard entry.pointee.d_type == UInt8(DT_DIR) else { continue }
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != ".", name != ".." { names.append(name) }
        }
        return names
    }

    /// The pids in `<directory>/cgroup.procs`.
    static func processes(_ directory: String) -> [pid_t] {
        (read(directory + "/cgroup.procs") ?? "").split(separator: "\n").compactMap { pid_t($0) }
    }

    /// One step of killing everything in a cgroup: v2 writes `cgroup.kill`; v1 freezes (`freezer` directory),
    /// sends SIGKILL to every process, and thaws once frozen. Returns `true` once no process is left.
    /// `freezer` is the container's freezer directory on v1, `nil` on v2; `members` the directory whose
    /// `cgroup.procs` lists the container's processes.
    static func killStep(version: CgroupHierarchy.Version, members: String, freezer: String?) -> Bool {
        let pids = processes(members)
        if pids.isEmpty { return true }
        switch version {
        case .v2:
            if (try? write(members + "/cgroup.kill", "1")) == nil {
                for pid in pids { kill(pid, SIGKILL) }
            }
        case .v1:
            guard let freezer else {
                for pid in pids { kill(pid, SIGKILL) }
                return false
            }
            try? write(freezer + "/freezer.state", "FROZEN")
            if read(freezer + "/freezer.state")?.hasPrefix("FROZEN") == true {
                // Frozen: nothing can fork any more; the signals take effect on thaw.
                for pid in processes(members) { kill(pid, SIGKILL) }
                try? write(freezer + "/freezer.state", "THAWED")
            }
        }
        return false
    }

    /// `rmdir`; `true` when it is gone (or was never there). Fails with `EBUSY` while processes remain.
    static func remove(_ directory: String) -> Bool {
        rmdir(directory) == 0 || errno == ENOENT
    }

    /// Kills everything in the cgroup and removes its directories, polling (the kernel offers no event for
    /// "empty") with a short pause until `deadline` (monotonic seconds). Used for orphans found at start.
    static func destroySync(version: CgroupHierarchy.Version, directories: [String], members: String,
                            freezer: String?, timeout: Double = 5) -> Bool {
        let deadline = monotonicNow() + timeout
        while !killStep(version: version, members: members, freezer: freezer) {
            if monotonicNow() > deadline { return false }
            usleep(1_000)
        }
        while !directories.allSatisfy(remove) {
            if monotonicNow() > deadline { return false }
            usleep(1_000)
        }
        return true
    }

    /// Monotonic seconds.
    static func monotonicNow() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}
