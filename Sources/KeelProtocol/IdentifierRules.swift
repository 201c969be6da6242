/// The rules every framework-chosen identifier (task, executor) and every master-issued one must satisfy.
///
/// They follow Mesos' `validateID`: identifiers become directory names in agent sandboxes, so anything that could
/// escape or confuse a path is refused.
public enum IdentifierRules {
    /// The longest identifier accepted, in UTF-8 bytes (`NAME_MAX`).
    public static let maximumBytes = 255

    /// Checks `text`; returns `nil` when it is acceptable, otherwise what is wrong with it.
    public static func check(_ text: String) -> IdentifierProblem? {
        if text.isEmpty { return .empty }
        let bytes = text.utf8.count
        if bytes > maximumBytes { return .tooLong(bytes: bytes) }
        if text == "." || text == ".." { return .reservedName(text) }
        for (offset, scalar) in text.unicodeScalars.enumerated() {
            if scalar == "/" || scalar == "\\" { return .pathSeparator(position: offset) }
            if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) {
                return .controlCharacter(position: offset, code: scalar.value)
            }
        }
        return nil
    }
}

/// Why an identifier was refused (see ``IdentifierRules/check(_:)``).
public enum IdentifierProblem: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The identifier is the empty string.
    case empty
    /// The identifier is longer than ``IdentifierRules/maximumBytes`` UTF-8 bytes.
    case tooLong(bytes: Int)
    /// The identifier is exactly `.` or `..`.
    case reservedName(String)
    /// A `/` or `\` at the given Unicode scalar offset.
    case pathSeparator(position: Int)
    /// A control character (C0, DEL or C1) at the given Unicode scalar offset.
    case controlCharacter(position: Int, code: UInt32)

    /// A sentence fragment such as `contains '/' at position 3`.
    public var description: String {
        switch self {
        case .empty: "must not be empty"
        case .tooLong(let bytes): "is \(bytes) bytes long; the limit is \(IdentifierRules.maximumBytes)"
        case .reservedName(let name): "must not be '\(name)'"
        case .pathSeparator(let position): "contains a path separator at position \(position)"
        case .controlCharacter(let position, let code):
            "contains control character U+\(String(code, radix: 16, uppercase: true)) at position \(position)"
        }
    }
}
