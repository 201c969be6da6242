/// The framework-chosen identity of a task, unique among the framework's live tasks.
///
/// The text is opaque to Keel, but the master only admits IDs that pass ``IdentifierRules/check(_:)``
/// (non-empty, at most 255 UTF-8 bytes, no `/`, `\`, control characters, `.` or `..`), because IDs name
/// sandbox directories on agents. Encodes as a plain string.
public struct TaskID: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The identifier text.
    public var value: String

    /// An identifier with the given text (not validated here; see ``IdentifierRules``).
    public init(_ value: String) { self.value = value }

    /// Decodes a plain string.
    public init(from decoder: any Decoder) throws { value = try decoder.singleValueContainer().decode(String.self) }

    /// Encodes as a plain string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }

    /// The identifier text.
    public var description: String { value }

    /// Lexicographic by text, for deterministic listings.
    public static func < (lhs: TaskID, rhs: TaskID) -> Bool { lhs.value < rhs.value }
}
