import Testing
@testable import KeelLog

@Suite struct LoggerTests {
    @Test func recordsBelowLevelAreDiscarded() {
        let sink = MemoryLogSink()
        let logger = Logger(label: "t", level: .warning, sink: sink)
        logger.info("hidden")
        logger.warning("shown")
        logger.error("also")
        #expect(sink.records.map(\.message) == ["shown", "also"])
    }

    @Test func metadataIsStructuredAndQuoted() {
        let sink = MemoryLogSink()
        let logger = Logger(label: "keel.test", level: .trace, sink: sink).with("node", "a:1")
        logger.info("closed", ["reason": "bad frame \"x\"", "bytes": 12])
        let line = sink.records[0].formatted()
        #expect(line.hasSuffix(" info keel.test closed node=a:1 reason=\"bad frame \\\"x\\\"\" bytes=12"))
        #expect(line.hasPrefix("20"))
    }

    @Test func copiesDoNotShareMetadata() {
        let sink = MemoryLogSink()
        let base = Logger(label: "t", level: .info, sink: sink)
        let child = base.with("k", "v")
        base.info("a")
        child.info("b")
        #expect(sink.records[0].metadata.isEmpty)
        #expect(sink.records[1].metadata.map(\.0) == ["k"])
    }

    @Test func levelNamesParse() {
        for level in LogLevel.allCases { #expect(LogLevel(name: level.description) == level) }
        #expect(LogLevel(name: "WARN") == .warning)
        #expect(LogLevel(name: "loud") == nil)
    }

    @Test func controlCharactersAreEscaped() {
        #expect(LogRecord.quoteIfNeeded("a\nb") == "\"a\\nb\"")
        #expect(LogRecord.quoteIfNeeded("") == "\"\"")
        #expect(LogRecord.quoteIfNeeded("plain") == "plain")
    }
}
