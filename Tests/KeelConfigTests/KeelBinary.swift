import Foundation
import Testing

/// Runs a built `keel` binary (next to the test bundle) and collects what it prints.
enum KeelBinary {
    static var url: URL {
        // .build/<config>/KeelPackageTests.xctest → .build/<config>/keel
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("keel")
    }

    /// Reads `handle` line by line on a thread of its own (never blocking the cooperative pool) until `stop` says so
    /// or the pipe closes; returns the lines read.
    static func readLines(_ handle: FileHandle, until stop: @escaping @Sendable (String) -> Bool) async -> [String] {
        await withCheckedContinuation { (continuation: CheckedContinuation<[String], Never>) in
            Thread {
                var lines: [String] = []
                var bytes: [UInt8] = []
                var byte: UInt8 = 0
                while read(handle.fileDescriptor, &byte, 1) == 1 {
                    guard byte == UInt8(ascii: "\n") else { bytes.append(byte); continue }
                    let line = String(decoding: bytes, as: UTF8.self)
                    bytes.removeAll()
                    lines.append(line)
                    if stop(line) { break }
                }
                continuation.resume(returning: lines)
            }.start()
        }
    }

    /// Runs `keel` with `arguments` to completion and returns its standard output's lines (exit status 0 required).
    static func output(_ arguments: [String]) async throws -> [String] {
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let lines = await readLines(pipe.fileHandleForReading) { _ in false }
        let status = await wait(process)
        #expect(status == 0, "keel \(arguments.joined(separator: " ")) exited with \(status): \(lines)")
        return lines
    }

    /// Waits for `process` to exit, off the cooperative pool.
    static func wait(_ process: Process) async -> Int32 {
        await withCheckedContinuation { (continuation: CheckedContinuation<Int32, Never>) in
            Thread {
                process.waitUntilExit()
                continuation.resume(returning: process.terminationStatus)
            }.start()
        }
    }
}


/// Lines a child process printed, collected as they arrive; tests wait for the one they need.
actor LineLog {
    private var lines: [String] = []
    private var closed = false
    private var waiters: [(id: Int, matches: @Sendable (String) -> Bool, continuation: CheckedContinuation<String?, Never>)] = []
    private var nextWaiter = 0

    fileprivate func append(_ line: String) {
        lines.append(line)
        if let index = waiters.firstIndex(where: { $0.matches(line) }) {
            waiters.remove(at: index).continuation.resume(returning: line)
        }
    }

    fileprivate func close() {
        closed = true
        for waiter in waiters { waiter.continuation.resume(returning: nil) }
        waiters.removeAll()
    }

    /// Every line so far.
    var all: [String] { lines }

    /// The first line (already printed or still to come) matching `predicate`; throws when the stream ends or
    /// `limit` passes first (a guard against hangs).
    func first(within limit: Duration = .seconds(30), where predicate: @escaping @Sendable (String) -> Bool) async throws -> String {
        if let line = lines.first(where: predicate) { return line }
        if closed { throw ProcessTestError(message: "stream ended without a matching line; got \(lines)") }
        nextWaiter += 1
        let id = nextWaiter
        let guardTask = Task {
            try await Task.sleep(for: limit)
            self.expire(id)
        }
        defer { guardTask.cancel() }
        let line = await withCheckedContinuation { waiters.append((id, predicate, $0)) }
        guard let line else { throw ProcessTestError(message: "no matching line within \(limit); got \(lines)") }
        return line
    }

    private func expire(_ id: Int) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        waiters.remove(at: index).continuation.resume(returning: nil)
    }
}

struct ProcessTestError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// A running `keel` child process with its output and error lines.
struct KeelChild {
    let process: Process
    let output = LineLog()
    let errors = LineLog()

    /// Starts `keel arguments…`.
    init(_ arguments: [String]) throws {
        process = Process()
        process.executableURL = KeelBinary.url
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        Self.pump(out.fileHandleForReading, into: output)
        Self.pump(err.fileHandleForReading, into: errors)
    }

    private static func pump(_ handle: FileHandle, into log: LineLog) {
        Thread {
            var bytes: [UInt8] = []
            var byte: UInt8 = 0
            while read(handle.fileDescriptor, &byte, 1) == 1 {
                guard byte == UInt8(ascii: "\n") else { bytes.append(byte); continue }
                let line = String(decoding: bytes, as: UTF8.self)
                bytes.removeAll()
                Task { await log.append(line) }
            }
            Task { await log.close() }
        }.start()
    }

    var pid: Int32 { process.processIdentifier }

    /// Sends `signal` (the child is ours: started by this test).
    func signal(_ signal: Int32) { if process.isRunning { kill(pid, signal) } }

    /// Waits for the exit status.
    func wait() async -> Int32 { await KeelBinary.wait(process) }
}

/// A TCP port that was free a moment ago (for a master that must come back on the same address).
func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw ProcessTestError(message: "socket failed") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0 else { throw ProcessTestError(message: "bind failed") }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}
