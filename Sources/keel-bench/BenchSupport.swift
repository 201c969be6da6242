import Foundation
import Glibc

/// Helpers shared by the benchmarks.
enum Bench {
    /// Monotonic nanoseconds.
    static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }

    /// The `p`-th percentile (0...1) of `samples`, nearest-rank.
    static func percentile(_ samples: [Double], _ p: Double) -> Double {
        guard !samples.isEmpty else { return .nan }
        let sorted = samples.sorted()
        let rank = min(sorted.count - 1, max(0, Int((p * Double(sorted.count)).rounded(.up)) - 1))
        return sorted[rank]
    }

    /// Formats `value` with `digits` decimals.
    static func format(_ value: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", value) }

    /// One JSON object from ordered key/value pairs (numbers and strings only).
    static func json(_ pairs: [(String, Any)]) -> String {
        let body = pairs.map { key, value -> String in
            switch value {
            case let number as Double: return "\"\(key)\":\(number.isFinite ? format(number, 3) : "null")"
            case let number as Int: return "\"\(key)\":\(number)"
            default: return "\"\(key)\":\"\(value)\""
            }
        }
        return "{" + body.joined(separator: ",") + "}"
    }

    /// The directory holding this executable (where SwiftPM also puts its sibling products).
    static var executableDirectory: URL {
        URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]).deletingLastPathComponent()
    }

    /// Peak resident set size of this process in MiB (VmHWM).
    static func peakRSSMiB() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return .nan }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let kb = line.split(separator: " ").compactMap { Double($0) }.first ?? .nan
            return kb / 1024
        }
        return .nan
    }
}

/// A child process started for a benchmark; stopped (stdin closed, then SIGKILL) on `stop`.
final class ChildProcess {
    let process = Process()
    private let input = Pipe()
    private let output = Pipe()

    init(executable: URL, arguments: [String]) throws {
        process.executableURL = executable
        process.arguments = arguments
        process.standardInput = input
        process.standardOutput = output
        try process.run()
    }

    /// Reads the child's first stdout line (blocking the calling thread, which is the main thread).
    func readLine() -> String? {
        var line = Data()
        let handle = output.fileHandleForReading
        while true {
            let byte = handle.readData(ofLength: 1)
            if byte.isEmpty { return line.isEmpty ? nil : String(decoding: line, as: UTF8.self) }
            if byte.first == UInt8(ascii: "\n") { return String(decoding: line, as: UTF8.self) }
            line.append(byte)
        }
    }

    func stop() {
        try? input.fileHandleForWriting.close()
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}
