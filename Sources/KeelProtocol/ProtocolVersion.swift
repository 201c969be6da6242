/// The version of the wire contract declared in this module.
///
/// Subscriptions and agent registrations carry the caller's version; the master refuses a different major version
/// with ``MasterError/incompatibleVersion(offered:supported:)``. Minor versions only add optional fields or new
/// methods, which the keyed codec tolerates.
public struct ProtocolVersion: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    /// Incremented for changes that old peers cannot understand.
    public var major: UInt16
    /// Incremented for compatible additions.
    public var minor: UInt16

    /// A version.
    public init(major: UInt16, minor: UInt16) {
        self.major = major
        self.minor = minor
    }

    /// The version this build speaks: 2.0 (2.0 made status updates, acknowledgements and task launches lists).
    public static let current = ProtocolVersion(major: 2, minor: 0)

    /// Whether a peer speaking `other` can talk to one speaking `self` (same major version).
    public func isCompatible(with other: ProtocolVersion) -> Bool { major == other.major }

    /// `major.minor`.
    public var description: String { "\(major).\(minor)" }

    /// Orders by major, then minor.
    public static func < (lhs: ProtocolVersion, rhs: ProtocolVersion) -> Bool {
        (lhs.major, lhs.minor) < (rhs.major, rhs.minor)
    }
}
