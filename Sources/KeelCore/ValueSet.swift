/// A set of text items (e.g. named disks or GPUs), kept sorted and unique so equal sets compare equal.
public struct ValueSet: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The items in ascending order, without duplicates.
    public private(set) var items: [String]

    /// The empty set.
    public init() { items = [] }

    /// Any items; duplicates are dropped.
    public init(_ items: some Sequence<String>) {
        self.items = Array(Set(items)).sorted()
    }

    /// Decodes a JSON array of strings.
    public init(from decoder: any Decoder) throws {
        self.init(try decoder.singleValueContainer().decode([String].self))
    }

    /// Encodes as a JSON array of strings.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(items)
    }

    /// Whether there are no items.
    public var isEmpty: Bool { items.isEmpty }

    /// Whether every item of `other` is present.
    public func contains(_ other: ValueSet) -> Bool {
        var index = 0
        for item in other.items {
            while index < items.count && items[index] < item { index += 1 }
            guard index < items.count, items[index] == item else { return false }
        }
        return true
    }

    /// The union.
    public func adding(_ other: ValueSet) -> ValueSet {
        if other.isEmpty { return self }
        if isEmpty { return other }
        return ValueSet(items + other.items)
    }

    /// The items of `self` not in `other`.
    public func subtracting(_ other: ValueSet) -> ValueSet {
        if other.isEmpty || isEmpty { return self }
        let removed = Set(other.items)
        var result = ValueSet()
        result.items = items.filter { !removed.contains($0) }
        return result
    }

    /// `{a,b,c}`.
    public var description: String { "{" + items.joined(separator: ",") + "}" }
}
