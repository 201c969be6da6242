/// The cluster-unique identity of a framework (a scheduler that receives offers).
public struct FrameworkID: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The identifier text; opaque to Keel.
    public var value: String

    /// An identifier.
    public init(_ value: String) { self.value = value }

    /// Decodes a JSON string.
    public init(from decoder: any Decoder) throws { value = try decoder.singleValueContainer().decode(String.self) }

    /// Encodes as a JSON string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }

    /// The identifier text.
    public var description: String { value }

    /// Lexicographic, for deterministic listings.
    public static func < (lhs: FrameworkID, rhs: FrameworkID) -> Bool { lhs.value < rhs.value }
}
