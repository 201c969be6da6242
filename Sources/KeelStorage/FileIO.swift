import Glibc

/// Thin, throwing wrappers over the blocking POSIX calls the file store makes. They must only be
/// called on the store's own I/O thread, never on the cooperative pool.
enum FileIO {
    static func open(_ path: String, _ flags: Int32, mode: mode_t = 0o644) throws -> Int32 {
        while true {
            let fd = Glibc.open(path, flags | O_CLOEXEC, mode)
            if fd >= 0 { return fd }
            if errno != EINTR { throw StorageError.system(operation: "open", path: path, errno: errno) }
        }
    }

    static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    static func size(_ fd: Int32, path: String) throws -> Int {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw StorageError.system(operation: "fstat", path: path, errno: errno) }
        return Int(info.st_size)
    }

    /// Reads the whole file behind `fd` (from offset 0).
    static func readAll(_ fd: Int32, path: String) throws -> [UInt8] {
        let size = try size(fd, path: path)
        var failure: Int32 = 0
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            count = 0
            while count < size {
                let read = pread(fd, buffer.baseAddress.map { $0 + count }, size - count, off_t(count))
                if read > 0 { count += read; continue }
                if read == 0 { return } // Shrank meanwhile: return what is there.
                if errno == EINTR { continue }
                failure = errno
                return
            }
        }
        if failure != 0 { throw StorageError.system(operation: "read", path: path, errno: failure) }
        return bytes
    }

    static func write(_ fd: Int32, _ bytes: [UInt8], at offset: Int, path: String) throws {
        try bytes.withUnsafeBytes { buffer in
            var done = 0
            while done < buffer.count {
                let written = pwrite(fd, buffer.baseAddress.map { $0 + done }, buffer.count - done, off_t(offset + done))
                if written > 0 { done += written; continue }
                if written < 0, errno == EINTR { continue }
                throw StorageError.system(operation: "write", path: path, errno: written < 0 ? errno : EIO)
            }
        }
    }

    /// `fdatasync` (the file size is data for this purpose, so appends are covered).
    static func syncData(_ fd: Int32, path: String) throws {
        let result = fdatasync(fd)
        guard result == 0 else { throw StorageError.system(operation: "fsync", path: path, errno: errno) }
    }

    /// Makes a rename or file creation in `directory` durable.
    static func syncDirectory(_ directory: String) throws {
        let fd = try open(directory, O_RDONLY | O_DIRECTORY)
        defer { _ = Glibc.close(fd) }
        guard fsync(fd) == 0 else { throw StorageError.system(operation: "fsync directory", path: directory, errno: errno) }
    }

    static func truncate(_ fd: Int32, to size: Int, path: String) throws {
        guard ftruncate(fd, off_t(size)) == 0 else { throw StorageError.system(operation: "ftruncate", path: path, errno: errno) }
    }

    static func rename(_ from: String, to: String) throws {
        guard Glibc.rename(from, to) == 0 else { throw StorageError.system(operation: "rename to \(to)", path: from, errno: errno) }
    }

    static func remove(_ path: String) throws {
        guard unlink(path) == 0 || errno == ENOENT else { throw StorageError.system(operation: "unlink", path: path, errno: errno) }
    }

    /// Creates `path` and its missing parents (mode 0755).
    static func makeDirectories(_ path: String) throws {
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, 0o755) != 0, errno != EEXIST {
                throw StorageError.system(operation: "mkdir", path: prefix, errno: errno)
            }
        }
    }

    static func close(_ fd: Int32) {
        _ = Glibc.close(fd)
    }
}
