/// How long a framework does not want to be offered the resources it declines or leaves unused in an accept
/// (Mesos' `Filters`).
public struct Filters: Sendable, Hashable, Codable {
    /// The default refusal: 5 seconds (Mesos' default).
    public static let defaultRefuseSeconds: Double = 5
    /// The longest refusal: `Int32.max` seconds (Mesos' effective "forever"); longer values and infinity are cut
    /// to it.
    public static let maximumRefuseSeconds: Double = Double(Int32.max)

    /// Seconds to refuse; zero means no filter. Negative and NaN values mean the default.
    public var refuseSeconds: Double

    /// Filters refusing for `refuseSeconds` (default 5).
    public init(refuseSeconds: Double = Filters.defaultRefuseSeconds) { self.refuseSeconds = refuseSeconds }

    /// The refusal the master applies, rounded to milliseconds: the default for negative or NaN values, capped at
    /// ``maximumRefuseSeconds``.
    public var refuseDuration: Duration {
        guard refuseSeconds.isFinite || refuseSeconds == .infinity, refuseSeconds >= 0 else {
            return .seconds(Int64(Self.defaultRefuseSeconds))
        }
        let seconds = min(refuseSeconds, Self.maximumRefuseSeconds)
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }
}
