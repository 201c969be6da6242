/// A bag of resources in canonical form: the unit of accounting for agents, offers, allocations and reservations.
///
/// Entries are kept sorted by (name, reservation, kind) with at most one entry per such key and no empty entries,
/// so two `Resources` holding the same things are `==` regardless of how they were built. It is a value type backed
/// by one contiguous array: copying is O(1) until mutated, and moving a whole agent's resources into an offer costs
/// no per-entry work.
public struct Resources: Sendable, Hashable, Sequence, CustomStringConvertible, ExpressibleByArrayLiteral {
    /// Sorted, merged, non-empty entries.
    var entries: ContiguousArray<Resource>

    /// No resources.
    public init() { entries = [] }

    /// Any resources; same-key entries are merged and empty ones dropped.
    public init(_ resources: some Sequence<Resource>) {
        entries = []
        for resource in resources { add(resource) }
    }

    /// `[.scalar("cpus", Quantity(2)), …]`.
    public init(arrayLiteral elements: Resource...) { self.init(elements) }

    init(canonical entries: ContiguousArray<Resource>) { self.entries = entries }

    /// Whether nothing is held.
    public var isEmpty: Bool { entries.isEmpty }

    /// The number of distinct (name, reservation, kind) entries.
    public var count: Int { entries.count }

    /// Iterates the canonical entries in order.
    public func makeIterator() -> IndexingIterator<ContiguousArray<Resource>> { entries.makeIterator() }

    /// The total amount of scalar resource `name` across all reservations (zero when absent).
    public func scalar(named name: String) -> Quantity {
        var total = Quantity.zero
        for entry in entries where entry.name == name {
            if case .scalar(let amount) = entry.value { total += amount }
        }
        return total
    }

    /// The union of the ranges named `name` across all reservations.
    public func ranges(named name: String) -> ValueRanges {
        var total = ValueRanges()
        for entry in entries where entry.name == name {
            if case .ranges(let ranges) = entry.value { total = total.adding(ranges) }
        }
        return total
    }

    /// The union of the sets named `name` across all reservations.
    public func set(named name: String) -> ValueSet {
        var total = ValueSet()
        for entry in entries where entry.name == name {
            if case .set(let set) = entry.value { total = total.adding(set) }
        }
        return total
    }

    /// Only the entries that satisfy `isIncluded`; still canonical.
    public func filter(_ isIncluded: (Resource) throws -> Bool) rethrows -> Resources {
        Resources(canonical: try entries.filter(isIncluded))
    }

    /// Resources reserved to no one.
    public var unreserved: Resources { filter { $0.reservation == nil } }

    /// Resources reserved to any role.
    public var reserved: Resources { filter { $0.reservation != nil } }

    /// Resources reserved exactly to `role` (not its ancestors or descendants).
    public func reserved(for role: Role) -> Resources { filter { $0.reservation?.role == role } }

    /// What a framework subscribed to `role` may be offered: unreserved resources plus those reserved to `role` or
    /// to one of its ancestors. Resources reserved to a subrole or to an unrelated role are excluded.
    public func allocatable(to role: Role) -> Resources {
        filter { entry in
            guard let reservation = entry.reservation else { return true }
            return role.isWithin(reservation.role)
        }
    }

    /// Scalar amounts summed by name, ignoring reservations; ranges and sets are omitted.
    public var quantities: ResourceQuantities {
        var result = ResourceQuantities()
        for entry in entries {
            if case .scalar(let amount) = entry.value { result[entry.name] += amount }
        }
        return result
    }

    /// The text format, e.g. `cpus:4;cpus(eng):2;mem:8192;ports:[31000-32000]`; ``parse(_:)`` reads it back.
    public var description: String {
        entries.map { entry in
            let suffix = entry.reservation.map(\.description) ?? ""
            switch entry.value {
            case .scalar(let amount): return "\(entry.name)\(suffix):\(amount)"
            case .ranges(let ranges): return "\(entry.name)\(suffix):\(ranges)"
            case .set(let set): return "\(entry.name)\(suffix):\(set)"
            }
        }.joined(separator: ";")
    }
}
