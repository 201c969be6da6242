/// How a task is killed (Mesos' `KillPolicy`): SIGTERM to its process group, then SIGKILL after the grace period.
public struct KillPolicy: Sendable, Hashable, Codable {
    /// The default grace period: 3 seconds (Mesos' default).
    public static let defaultGracePeriod: Duration = .seconds(3)

    /// Time between SIGTERM and SIGKILL; not negative.
    public var gracePeriod: Duration

    /// A kill policy.
    public init(gracePeriod: Duration = KillPolicy.defaultGracePeriod) { self.gracePeriod = gracePeriod }
}
