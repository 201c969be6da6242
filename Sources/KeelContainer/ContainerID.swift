/// The identity of one container run on an agent; also the name of its sandbox directory.
///
/// Restricted to 1–128 characters from `A-Z a-z 0-9 . _ -` and never `.` or `..`, so it is always a single, safe
/// path component. Callers make it unique per run (e.g. executor ID plus a run counter or UUID).
public struct ContainerID: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The identifier text.
    public let value: String

    /// Validates `value`; throws ``ContainerizerError/invalidContainerID(_:)`` when it is not a safe path component.
    public init(_ value: String) throws(ContainerizerError) {
        guard Self.isValid(value) else { throw .invalidContainerID(value) }
        self.value = value
    }

    /// Decodes a JSON string, validating it like ``init(_:)`` (an unsafe ID is `DecodingError.dataCorrupted`).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard Self.isValid(text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: ContainerizerError.invalidContainerID(text).description)
        }
        value = text
    }

    /// Encodes as a JSON string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }

    /// The identifier text.
    public var description: String { value }

    /// Lexicographic, for deterministic listings.
    public static func < (lhs: ContainerID, rhs: ContainerID) -> Bool { lhs.value < rhs.value }

    static func isValid(_ value: String) -> Bool {
        let bytes = value.utf8
        guard (1...128).contains(bytes.count), value != ".", value != ".." else { return false }
        return bytes.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
                true
            default:
                false
            }
        }
    }
}
