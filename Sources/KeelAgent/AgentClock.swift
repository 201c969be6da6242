import Foundation

/// The time source of an agent: status timestamps and the waits of its retry and registration backoffs.
/// Inject a manual implementation to drive retries from a test.
public protocol AgentClock: Sendable {
    /// Now, in seconds since the Unix epoch (the ``KeelProtocol/TaskStatus/timestamp`` of updates).
    func now() -> Double
    /// Suspends the calling task for `duration` without blocking a thread; throws `CancellationError` when the
    /// task is cancelled.
    func sleep(for duration: Duration) async throws
}

/// The real clock: wall time for timestamps, `Task.sleep` for waits.
public struct SystemAgentClock: AgentClock {
    /// The system clock.
    public init() {}

    /// `Date().timeIntervalSince1970`.
    public func now() -> Double { Date().timeIntervalSince1970 }

    /// `Task.sleep(for:)`.
    public func sleep(for duration: Duration) async throws { try await Task.sleep(for: duration) }
}

/// Exponential backoff: ``initial``, doubled per ``next()`` up to ``maximum``.
public struct Backoff: Sendable, Hashable {
    /// The first wait.
    public let initial: Duration
    /// The cap.
    public let maximum: Duration
    private var upcoming: Duration

    /// A backoff starting at `initial` (negative values count as zero), capped at `maximum`.
    public init(initial: Duration, maximum: Duration) {
        self.initial = max(.zero, initial)
        self.maximum = max(self.initial, maximum)
        upcoming = self.initial
    }

    /// The wait to use now; the following one is twice as long (capped).
    public mutating func next() -> Duration {
        let current = upcoming
        upcoming = min(maximum, current * 2)
        return current
    }

    /// Starts over at ``initial``.
    public mutating func reset() { upcoming = initial }
}
