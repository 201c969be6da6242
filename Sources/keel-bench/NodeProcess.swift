import Foundation
import Glibc

/// A `keel-bench node …` child process. It exits when its standard input closes, so it dies with the benchmark
/// even when the benchmark is killed; ``stop()`` closes that pipe, waits up to 5 s, then sends `SIGKILL` by pid.
final class NodeProcess {
    let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    /// Where the child's stderr goes (shown when it fails to start).
    let errorPath: String
    let name: String

    init(name: String, arguments: [String], errorPath: String) throws {
        self.name = name
        self.errorPath = errorPath
        _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        process.arguments = ["node"] + arguments
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle(forWritingAtPath: errorPath)
        try process.run()
    }

    /// Waits for the `READY <port>` line (read on a thread of its own) and returns the port.
    func ready() async throws -> Int {
        let fd = output.fileHandleForReading.fileDescriptor
        let line = await withCheckedContinuation { (continuation: CheckedContinuation<String, Never>) in
            Thread {
                var bytes: [UInt8] = []
                var byte: UInt8 = 0
                while read(fd, &byte, 1) == 1, byte != UInt8(ascii: "\n") { bytes.append(byte) }
                continuation.resume(returning: String(decoding: bytes, as: UTF8.self))
            }.start()
        }
        let parts = line.split(separator: " ")
        guard parts.count == 2, parts[0] == "READY", let port = Int(parts[1]) else {
            try? await Task.sleep(for: .milliseconds(100))
            let errors = (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? ""
            throw BenchError("\(name) did not start: \(errors.isEmpty ? "no output" : errors.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        return port
    }

    /// Closes stdin, waits for a clean exit (up to 5 s), then kills it.
    func stop() async {
        try? input.fileHandleForWriting.close()
        for _ in 0..<500 where process.isRunning { try? await Task.sleep(for: .milliseconds(10)) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        for _ in 0..<500 where process.isRunning { try? await Task.sleep(for: .milliseconds(10)) }
    }
}
