import Dispatch
import Foundation

/// SIGINT and SIGTERM as an async stream, delivered through `DispatchSource` signal sources (the default
/// actions are ignored while the sources exist).
final class TerminationSignals {
    /// Each signal received, in order.
    let stream: AsyncStream<Int32>
    private let sources: [any DispatchSourceSignal]

    init() {
        let (stream, continuation) = AsyncStream<Int32>.makeStream()
        self.stream = stream
        var sources: [any DispatchSourceSignal] = []
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { continuation.yield(number) }
            source.resume()
            sources.append(source)
        }
        self.sources = sources
    }

    /// Waits for the first signal and returns its number.
    func next() async -> Int32 {
        for await number in stream { return number }
        return SIGTERM
    }

    /// Stops listening.
    func cancel() {
        for source in sources { source.cancel() }
    }
}
