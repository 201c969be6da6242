#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Severity of a log record, ordered from most to least verbose.
public enum LogLevel: Int, Sendable, Comparable, CaseIterable, Codable, CustomStringConvertible {
    case trace = 0, debug, info, notice, warning, error, critical

    /// Parses `trace`, `debug`, `info`, `notice`, `warning` (or `warn`), `error`, `critical`.
    public init?(name: String) {
        switch name.lowercased() {
        case "trace": self = .trace
        case "debug": self = .debug
        case "info": self = .info
        case "notice": self = .notice
        case "warning", "warn": self = .warning
        case "error": self = .error
        case "critical": self = .critical
        default: return nil
        }
    }

    public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The lowercase name printed in records.
    public var description: String {
        switch self {
        case .trace: "trace"
        case .debug: "debug"
        case .info: "info"
        case .notice: "notice"
        case .warning: "warning"
        case .error: "error"
        case .critical: "critical"
        }
    }
}

/// One structured log record as handed to a ``LogSink``.
public struct LogRecord: Sendable {
    /// When the record was made, in seconds since the Unix epoch.
    public var timestamp: Double
    /// The record's severity.
    public var level: LogLevel
    /// The logger's label, usually the subsystem (`keel.actors.tcp`).
    public var label: String
    /// The human-readable message.
    public var message: String
    /// Structured context, printed as `key=value` in insertion order.
    public var metadata: [(String, String)]

    /// Formats the record as one line: `2026-11-25T11:22:39.123Z info keel.actors msg key=value …`.
    public func formatted() -> String {
        var line = Self.iso8601(timestamp)
        line += " "
        line += level.description
        line += " "
        line += label
        line += " "
        line += message
        for (key, value) in metadata {
            line += " "
            line += key
            line += "="
            line += Self.quoteIfNeeded(value)
        }
        return line
    }

    static func quoteIfNeeded(_ value: String) -> String {
        if !value.isEmpty, !value.utf8.contains(where: { $0 <= 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "=") }) {
            return value
        }
        var quoted = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": quoted += "\\\""
            case "\\": quoted += "\\\\"
            case "\n": quoted += "\\n"
            case "\t": quoted += "\\t"
            case "\r": quoted += "\\r"
            default:
                if scalar.value < 0x20 {
                    quoted += "\\u{\(String(scalar.value, radix: 16))}"
                } else {
                    quoted.unicodeScalars.append(scalar)
                }
            }
        }
        return quoted + "\""
    }

    static func iso8601(_ timestamp: Double) -> String {
        var seconds = time_t(timestamp)
        let millis = Int((timestamp - Double(seconds)) * 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(millis), 3))Z"
    }
}

/// Where log records go. Implementations must be thread-safe: records arrive from any thread.
public protocol LogSink: Sendable {
    /// Writes one record. Must not block for long: it is called on I/O and actor threads.
    func write(_ record: LogRecord)
}

/// Writes formatted records to standard error, one `write(2)` per record so lines never interleave.
public struct StandardErrorSink: LogSink {
    /// Creates a sink writing to file descriptor 2.
    public init() {}

    public func write(_ record: LogRecord) {
        var line = record.formatted()
        line += "\n"
        line.withUTF8 { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(2, buffer.baseAddress! + offset, buffer.count - offset)
                if written <= 0 { return }
                offset += written
            }
        }
    }
}

/// Keeps records in memory; used by tests to assert that something was logged.
public final class MemoryLogSink: LogSink {
    private let storage = Mutex<[LogRecord]>([])

    /// Creates an empty sink.
    public init() {}

    public func write(_ record: LogRecord) {
        storage.withLock { $0.append(record) }
    }

    /// A snapshot of every record written so far, oldest first.
    public var records: [LogRecord] { storage.withLock { $0 } }

    /// Records whose message contains `text`.
    public func records(containing text: String) -> [LogRecord] {
        records.filter { $0.message.contains(text) || $0.metadata.contains { $0.1.contains(text) } }
    }
}

/// A small structured, leveled logger: a label, a minimum level, fixed metadata and a sink.
///
/// `Logger` is a value; copying it and adding metadata (`with(_:_:)`) never affects the original.
/// Messages are autoclosures, so a record below the level costs one comparison.
public struct Logger: Sendable {
    /// The subsystem label printed on every record.
    public var label: String
    /// Records below this level are discarded.
    public var level: LogLevel
    /// Context added to every record of this logger.
    public var metadata: [(String, String)]
    /// The destination of records.
    public var sink: any LogSink

    /// Creates a logger. The default level comes from the `KEEL_LOG_LEVEL` environment variable, else `info`.
    public init(label: String, level: LogLevel? = nil, sink: any LogSink = StandardErrorSink()) {
        self.label = label
        self.level = level ?? Logger.environmentLevel
        self.metadata = []
        self.sink = sink
    }

    /// The level named by `KEEL_LOG_LEVEL`, or `info` when unset or unrecognised.
    public static var environmentLevel: LogLevel {
        guard let raw = getenv("KEEL_LOG_LEVEL"), let level = LogLevel(name: String(cString: raw)) else { return .info }
        return level
    }

    /// A copy with one more metadata pair.
    public func with(_ key: String, _ value: CustomStringConvertible) -> Logger {
        var copy = self
        copy.metadata.append((key, value.description))
        return copy
    }

    /// A copy with a different label (same sink, level and metadata).
    public func labeled(_ label: String) -> Logger {
        var copy = self
        copy.label = label
        return copy
    }

    /// Whether a record at `level` would be written.
    @inlinable public func isEnabled(_ level: LogLevel) -> Bool { level >= self.level }

    /// Writes a record at `level` with extra metadata.
    public func log(_ level: LogLevel, _ message: @autoclosure () -> String, _ metadata: KeyValuePairs<String, CustomStringConvertible> = [:]) {
        guard level >= self.level else { return }
        var all = self.metadata
        for (key, value) in metadata { all.append((key, value.description)) }
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        sink.write(LogRecord(timestamp: Double(now.tv_sec) + Double(now.tv_nsec) / 1e9, level: level, label: label, message: message(), metadata: all))
    }

    /// Writes a `trace` record.
    public func trace(_ message: @autoclosure () -> String, _ metadata: KeyValuePairs<String, CustomStringConvertible> = [:]) { log(.trace, message(), metadata) }
    /// Writes a `debug` record.
    public func debug(_ message: @autoclosure () -> String, _ metadata: KeyValuePairs<String, CustomStringConvertible> = [:]) { log(.debug, message(), metadata) }
    /// Writes an `info` record.
    public func info(_ message: @autoclosure () -> String, _ metadata: KeyValuePairs<String, CustomStringConvertible> = [:]) { log(.info, message(), metadata) }
    /// Writes a `notice` record.
    public func notice(_ message: @autoclosure () -> String, _ metadata: KeyValuePairs<String, CustomStringConvertible> = [:]) { log(.notice, message(), metadata) }
    /// Writes a `warning` record.
    public func warning(_ message: @autoclosure () -> String, _ metadata: KeyValuePairs<String, CustomStringConvertible> = [:]) { log(.warning, message(), metadata) }
    /// Writes an `error` record.
    public func error(_ message: @autoclosure () -> String, _ metadata: KeyValuePairs<String, CustomStringConvertible> = [:]) { log(.error, message(), metadata) }
    /// Writes a `critical` record.
    public func critical(_ message: @autoclosure () -> String, _ metadata: KeyValuePairs<String, CustomStringConvertible> = [:]) { log(.critical, message(), metadata) }
}
