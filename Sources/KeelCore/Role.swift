/// A validated role name: `*` (the default role) or a `/`-separated path such as `eng/web`.
///
/// Roles name the consumers that share a cluster; reservations, quota and weights attach to them, and a path
/// expresses a hierarchy: `eng/web` is a subrole of `eng`. Every `Role` value is valid by construction — the same
/// rules Mesos applies: no empty component, no `.` or `..` component, no `*` inside a path, no component starting
/// with `-`, no `/` at either end, and no whitespace, control characters or backslashes anywhere.
public struct Role: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The default role, `*`; resources reserved to no one are offered to it.
    public static let any = Role(unchecked: "*")

    /// The full path, e.g. `eng/web`.
    public let name: String

    init(unchecked name: String) { self.name = name }

    /// Validates `name`; the thrown error names the offending component and its byte offset.
    /// - Parameter position: where `name` starts in the caller's input.
    public init(_ name: some StringProtocol, position: Int = 0) throws(ResourceParseError) {
        let text = String(name)
        try Role.validate(text, position: position)
        self.name = text
    }

    /// The path components: `["eng", "web"]` for `eng/web`.
    public var components: [Substring] { name.split(separator: "/", omittingEmptySubsequences: false) }

    /// The enclosing role (`eng` for `eng/web`), or `nil` for a top-level role.
    public var parent: Role? {
        guard let slash = name.lastIndex(of: "/") else { return nil }
        return Role(unchecked: String(name[..<slash]))
    }

    /// Every enclosing role from the nearest outward: `a/b/c` gives `[a/b, a]`.
    public var ancestors: [Role] {
        var result: [Role] = []
        var current = parent
        while let role = current {
            result.append(role)
            current = role.parent
        }
        return result
    }

    /// Whether `self` is `other` or lies below it (`eng/web` is within `eng`; `engineering` is not).
    public func isWithin(_ other: Role) -> Bool {
        guard name.utf8.count >= other.name.utf8.count, name.hasPrefix(other.name) else { return false }
        return name.utf8.count == other.name.utf8.count
            || name.utf8[name.utf8.index(name.utf8.startIndex, offsetBy: other.name.utf8.count)] == UInt8(ascii: "/")
    }

    /// The path.
    public var description: String { name }

    /// Lexicographic by path, which keeps output deterministic.
    public static func < (lhs: Role, rhs: Role) -> Bool { lhs.name < rhs.name }

    static func validate(_ text: String, position: Int) throws(ResourceParseError) {
        func fail(_ token: Substring, at offset: Int, _ detail: String) -> ResourceParseError {
            ResourceParseError(.invalidRole, token: String(token), position: position + offset, detail: detail)
        }
        guard !text.isEmpty else { throw fail("", at: 0, "a role name must not be empty") }
        if text == "*" { return }
        let bytes = Array(text.utf8)
        for (offset, byte) in bytes.enumerated() {
            if byte < 0x21 || byte == 0x7F || byte == UInt8(ascii: "\\") {
                throw fail(Substring(text), at: offset,
                           "role '\(text)' contains whitespace, a control character or a backslash")
            }
        }
        if bytes.first == UInt8(ascii: "/") || bytes.last == UInt8(ascii: "/") {
            throw fail(Substring(text), at: bytes.first == UInt8(ascii: "/") ? 0 : bytes.count - 1,
                       "role '\(text)' must not start or end with '/'")
        }
        var offset = 0
        for component in text.split(separator: "/", omittingEmptySubsequences: false) {
            if component.isEmpty { throw fail(component, at: offset, "role '\(text)' has an empty component") }
            if component == "." || component == ".." {
                throw fail(component, at: offset, "role component '\(component)' is not allowed")
            }
            if component == "*" { throw fail(component, at: offset, "'*' may only be used alone") }
            if component.hasPrefix("-") {
                throw fail(component, at: offset, "role component '\(component)' must not start with '-'")
            }
            offset += component.utf8.count + 1
        }
    }
}

extension Role: Codable {
    /// Decodes a role name string, validating it.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            try self.init(text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    /// Encodes the path as a string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(name)
    }
}
