/// Scalar amounts by resource name, independent of reservations: `cpus:4;mem:8192`.
///
/// Used wherever only "how much" matters — quota guarantees and limits, minimum allocatable resources, DRF totals.
/// Absent names read as zero; zero entries are never stored, so `==` compares meaning.
public struct ResourceQuantities: Sendable, Hashable, Sequence, CustomStringConvertible {
    /// `(name, amount)` sorted by name, amounts non-zero.
    public private(set) var entries: [(name: String, amount: Quantity)]

    /// Nothing.
    public init() { entries = [] }

    /// From `(name, amount)` pairs; repeated names add up.
    public init(_ pairs: some Sequence<(String, Quantity)>) {
        entries = []
        for (name, amount) in pairs { self[name] += amount }
    }

    /// Parses `cpus:1;mem:32` (scalars only; reservations are not allowed here).
    public static func parse(_ text: String) throws(ResourceParseError) -> ResourceQuantities {
        var result = ResourceQuantities()
        for (entry, position) in try ResourceText.parseResourceEntries(text) {
            guard case .scalar(let amount) = entry.value, entry.reservation == nil else {
                throw ResourceParseError(.typeMismatch, token: entry.name, position: position,
                                         detail: "quantities must be unreserved scalars")
            }
            result[entry.name] += amount
        }
        return result
    }

    /// Whether every amount is zero.
    public var isEmpty: Bool { entries.isEmpty }

    /// The amount of `name`, zero when absent; setting zero removes the entry.
    public subscript(name: String) -> Quantity {
        get {
            for entry in entries where entry.name == name { return entry.amount }
            return .zero
        }
        set {
            if let index = entries.firstIndex(where: { $0.name == name }) {
                if newValue.isZero { entries.remove(at: index) } else { entries[index].amount = newValue }
            } else if !newValue.isZero {
                let index = entries.firstIndex(where: { $0.name > name }) ?? entries.count
                entries.insert((name, newValue), at: index)
            }
        }
    }

    /// Whether `self` holds at least as much of every name as `other`.
    public func contains(_ other: ResourceQuantities) -> Bool {
        other.entries.allSatisfy { self[$0.name] >= $0.amount }
    }

    /// Iterates `(name, amount)` in name order.
    public func makeIterator() -> IndexingIterator<[(name: String, amount: Quantity)]> { entries.makeIterator() }

    /// Per-name sum.
    public static func + (lhs: ResourceQuantities, rhs: ResourceQuantities) -> ResourceQuantities {
        var result = lhs
        for entry in rhs.entries { result[entry.name] += entry.amount }
        return result
    }

    /// Per-name difference, floored at zero.
    public static func - (lhs: ResourceQuantities, rhs: ResourceQuantities) -> ResourceQuantities {
        var result = lhs
        for entry in rhs.entries { result[entry.name] = Swift.max(.zero, result[entry.name] - entry.amount) }
        return result
    }

    /// `cpus:1;mem:32`.
    public var description: String { entries.map { "\($0.name):\($0.amount)" }.joined(separator: ";") }

    /// Equal when the same names have the same amounts.
    public static func == (lhs: ResourceQuantities, rhs: ResourceQuantities) -> Bool {
        lhs.entries.elementsEqual(rhs.entries) { $0.name == $1.name && $0.amount == $1.amount }
    }

    /// Hashes names and amounts in order.
    public func hash(into hasher: inout Hasher) {
        for entry in entries {
            hasher.combine(entry.name)
            hasher.combine(entry.amount)
        }
    }
}

extension ResourceQuantities: Codable {
    /// Decodes a JSON object `{"cpus":1,"mem":32}`, rejecting negative and non-finite amounts.
    public init(from decoder: any Decoder) throws {
        let map = try decoder.singleValueContainer().decode([String: Quantity].self)
        self.init(map.map { ($0.key, $0.value) })
    }

    /// Encodes as a JSON object.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(Dictionary(uniqueKeysWithValues: entries.map { ($0.name, $0.amount) }))
    }
}
