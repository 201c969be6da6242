/// A precise description of why resource, attribute, role or quantity text was rejected.
///
/// Every parser in `KeelCore` reports failures with this one type so callers (the master's HTTP API, agent flags,
/// configuration files) can echo the exact offending token and where it starts back to the operator.
/// The type is `Codable` so it can travel over the wire unchanged.
public struct ResourceParseError: Error, Codable, Hashable, Sendable, CustomStringConvertible {
    /// The class of problem; stable across releases so callers may switch over it.
    public enum Reason: String, Codable, Hashable, Sendable {
        /// The input (or a required part of it) was empty.
        case empty
        /// A resource or attribute name is missing or contains a forbidden character.
        case invalidName
        /// A `:` separating a name from its value is missing.
        case expectedColon
        /// A character that has no meaning at this point of the grammar.
        case unexpectedCharacter
        /// A bracket or brace was opened but never closed.
        case unterminated
        /// The text is not a decimal number.
        case invalidNumber
        /// A resource amount below zero.
        case negativeAmount
        /// `nan`, `inf` or another non-finite amount.
        case nonFiniteAmount
        /// An amount beyond ``Quantity/maximum``.
        case amountTooLarge
        /// A range whose bounds are not integers `begin-end`.
        case invalidRange
        /// A range whose end is below its begin.
        case invertedRange
        /// Two ranges of the same value share at least one element.
        case overlappingRanges
        /// A set names the same item twice, or an item is empty.
        case invalidSetItem
        /// A role name breaks the role rules (see ``Role``).
        case invalidRole
        /// The same resource name is used with two different value kinds (e.g. a scalar and ranges).
        case typeMismatch
        /// A JSON document had the right syntax but an unknown `type` or a missing field.
        case invalidStructure
    }

    /// What went wrong.
    public var reason: Reason
    /// The offending token exactly as it appeared in the input (possibly empty when input ended early).
    public var token: String
    /// Zero-based UTF-8 byte offset of `token` in the parsed text; `0` when the input was not text (e.g. JSON values).
    public var position: Int
    /// A short human explanation.
    public var detail: String

    /// Creates an error; parsers fill every field so the message is self-contained.
    public init(_ reason: Reason, token: String, position: Int, detail: String) {
        self.reason = reason
        self.token = token
        self.position = position
        self.detail = detail
    }

    /// `invalidRange at 12 ('[5-3]'): range end is below its begin`.
    public var description: String {
        "\(reason.rawValue) at \(position) ('\(token)'): \(detail)"
    }

    /// The same error moved by `offset` bytes, used when a sub-parser ran on a slice of a larger input.
    func shifted(by offset: Int) -> ResourceParseError {
        var copy = self
        copy.position += offset
        return copy
    }
}
