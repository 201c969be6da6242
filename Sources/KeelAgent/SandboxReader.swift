#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Foundation
import KeelLog
import KeelProtocol

/// Reads windows of sandbox files on a private dispatch queue, so file I/O never runs on the cooperative pool.
struct SandboxReader: Sendable {
    private let queue = DispatchQueue(label: "keel.agent.sandbox-io")

    /// Up to `maximumBytes` of `path` from `offset`, and the file's size. A file that does not exist yet reads as
    /// empty (the task has not written, or has not started).
    func read(_ path: String, offset: UInt64, maximumBytes: Int) async throws(AgentError) -> (data: [UInt8], size: UInt64) {
        let count = max(0, min(maximumBytes, TaskOutputRequest.maximumChunkBytes))
        let result: Result<([UInt8], UInt64), AgentError> = await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: Self.readBlocking(path, offset: offset, count: count)) }
        }
        return try result.get()
    }

    /// Deletes a sandbox directory in the background (errors are logged: a sandbox that cannot be deleted is
    /// only wasted disk).
    func remove(_ path: String, logger: Logger) {
        queue.async {
            do { try FileManager.default.removeItem(atPath: path) } catch {
                logger.warning("could not delete an old sandbox", ["path": path, "error": String(describing: error)])
            }
        }
    }

    /// Deletes all but the `keeping` most recently modified directories in `directory` that were last modified
    /// before now (so sandboxes of tasks starting meanwhile are never touched), in the background.
    func pruneLeftovers(in directory: String, keeping: Int, logger: Logger) {
        let cutoff = Date()
        queue.async {
            let manager = FileManager.default
            guard let names = try? manager.contentsOfDirectory(atPath: directory) else { return }
            let dated = names.compactMap { name -> (path: String, modified: Date)? in
                let path = directory + "/" + name
                guard let attributes = try? manager.attributesOfItem(atPath: path),
                      attributes[.type] as? FileAttributeType == .typeDirectory,
                      let modified = attributes[.modificationDate] as? Date, modified < cutoff else { return nil }
                return (path, modified)
            }.sorted { $0.modified > $1.modified }
            guard dated.count > keeping else { return }
            for old in dated[keeping...] {
                do { try manager.removeItem(atPath: old.path) } catch {
                    logger.warning("could not delete an old sandbox", ["path": old.path, "error": String(describing: error)])
                }
            }
            logger.info("deleted sandboxes left by an earlier run", ["count": dated.count - keeping, "kept": keeping])
        }
    }

    private static func readBlocking(_ path: String, offset: UInt64, count: Int) -> Result<([UInt8], UInt64), AgentError> {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        if descriptor < 0 {
            if errno == ENOENT { return .success(([], 0)) }
            return .failure(.sandboxUnreadable("open \(path): \(String(cString: strerror(errno)))"))
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            return .failure(.sandboxUnreadable("stat \(path): \(String(cString: strerror(errno)))"))
        }
        let size = UInt64(max(0, info.st_size))
        guard offset < size, count > 0, offset <= UInt64(Int64.max) else { return .success(([], size)) }
        let wanted = Int(min(UInt64(count), size - offset))
        var data = [UInt8](repeating: 0, count: wanted)
        var filled = 0
        while filled < wanted {
            let got = data.withUnsafeMutableBytes { buffer in
                pread(descriptor, buffer.baseAddress! + filled, wanted - filled, off_t(offset) + off_t(filled))
            }
            if got < 0, errno == EINTR { continue }
            if got < 0 { return .failure(.sandboxUnreadable("read \(path): \(String(cString: strerror(errno)))")) }
            if got == 0 { break }
            filled += got
        }
        data.removeLast(wanted - filled)
        return .success((data, size))
    }
}
