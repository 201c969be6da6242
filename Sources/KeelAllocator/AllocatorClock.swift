#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// A point on a monotonic timeline, in nanoseconds from an arbitrary origin fixed by its clock.
public struct ClockInstant: Sendable, Hashable, Comparable, Codable {
    /// Nanoseconds since the clock's origin.
    public var nanoseconds: Int64

    /// An instant.
    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    /// The instant `duration` later, saturating instead of overflowing (refuse filters may be "forever").
    public func advanced(by duration: Duration) -> ClockInstant {
        let (seconds, attoseconds) = duration.components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else { return ClockInstant(nanoseconds: seconds < 0 ? Int64.min : Int64.max) }
        let (sum, sumOverflow) = nanoseconds.addingReportingOverflow(scaled &+ attoseconds / 1_000_000_000)
        guard !sumOverflow else { return ClockInstant(nanoseconds: scaled < 0 ? Int64.min : Int64.max) }
        return ClockInstant(nanoseconds: sum)
    }

    /// Earlier first.
    public static func < (lhs: ClockInstant, rhs: ClockInstant) -> Bool { lhs.nanoseconds < rhs.nanoseconds }
}

/// Where the allocator reads time from; injected so tests can drive filter expiry deterministically.
///
/// Implementations must be monotonic (never go backwards) and safe to call from any thread.
public protocol AllocatorClock: Sendable {
    /// The current instant.
    func now() -> ClockInstant
}

/// The production clock: `CLOCK_MONOTONIC`, unaffected by wall-clock adjustments.
public struct MonotonicClock: AllocatorClock {
    /// A monotonic clock.
    public init() {}

    /// The current monotonic time.
    public func now() -> ClockInstant {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return ClockInstant(nanoseconds: Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec))
    }
}

/// A clock that only moves when told to, for tests and simulations.
///
/// Sendable because its only state lives in a `Mutex`.
public final class ManualClock: AllocatorClock {
    private let current: Mutex<Int64>

    /// A clock reading `start`.
    public init(start: ClockInstant = ClockInstant(nanoseconds: 0)) { current = Mutex(start.nanoseconds) }

    /// The current reading.
    public func now() -> ClockInstant { ClockInstant(nanoseconds: current.withLock { $0 }) }

    /// Moves the clock forward by `duration` (negative durations are ignored: the clock is monotonic).
    public func advance(by duration: Duration) {
        current.withLock { value in
            let next = ClockInstant(nanoseconds: value).advanced(by: duration).nanoseconds
            value = Swift.max(value, next)
        }
    }
}
