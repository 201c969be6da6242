/// A key/value label attached to a dynamic reservation (e.g. which service made it).
public struct Label: Sendable, Hashable, Codable, Comparable {
    /// The label key.
    public var key: String
    /// The label value.
    public var value: String

    /// A label.
    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }

    /// By key, then value, so a reservation's labels have one canonical order.
    public static func < (lhs: Label, rhs: Label) -> Bool {
        lhs.key != rhs.key ? lhs.key < rhs.key : lhs.value < rhs.value
    }
}

/// Sets a resource aside for one role (and every role beneath it in the hierarchy).
///
/// A *static* reservation comes from the agent's configuration and lives as long as the agent does; a *dynamic*
/// one is made at runtime by a principal, may carry labels, and can later be unreserved. Two dynamic reservations
/// for the same role with different principals or labels describe different resources and never merge.
public struct Reservation: Sendable, Hashable, Codable, CustomStringConvertible {
    /// How the reservation was made.
    public enum Kind: String, Sendable, Hashable, Codable {
        /// From agent configuration, e.g. `cpus(eng):2`.
        case `static` = "STATIC"
        /// Made at runtime through the operator or scheduler API.
        case dynamic = "DYNAMIC"
    }

    /// Static or dynamic.
    public var kind: Kind
    /// The role the resource is reserved for.
    public var role: Role
    /// Who made a dynamic reservation; `nil` for static ones.
    public var principal: String?
    /// Labels of a dynamic reservation, sorted by key.
    public var labels: [Label] {
        didSet { labels.sort() }
    }

    /// A reservation; labels are stored sorted so equality does not depend on their order.
    public init(kind: Kind = .static, role: Role, principal: String? = nil, labels: [Label] = []) {
        self.kind = kind
        self.role = role
        self.principal = principal
        self.labels = labels.sorted()
    }

    /// A static reservation for `role`.
    public static func `static`(_ role: Role) -> Reservation { Reservation(kind: .static, role: role) }

    /// A dynamic reservation for `role` made by `principal`.
    public static func dynamic(_ role: Role, principal: String?, labels: [Label] = []) -> Reservation {
        Reservation(kind: .dynamic, role: role, principal: principal, labels: labels)
    }

    /// The text-format suffix: `(eng)` when static, `(eng,alice)` when dynamic (labels are JSON-only).
    public var description: String {
        switch kind {
        case .static: "(\(role.name))"
        case .dynamic: "(\(role.name),\(principal ?? ""))"
        }
    }

    /// A total order used to keep `Resources` canonical: role, kind, principal, labels.
    static func precedes(_ lhs: Reservation, _ rhs: Reservation) -> Bool {
        if lhs.role != rhs.role { return lhs.role.name < rhs.role.name }
        if lhs.kind != rhs.kind { return lhs.kind == .static }
        if lhs.principal != rhs.principal {
            guard let left = lhs.principal else { return true }
            guard let right = rhs.principal else { return false }
            return left < right
        }
        return lhs.labels.lexicographicallyPrecedes(rhs.labels)
    }

    private enum CodingKeys: String, CodingKey { case type, role, principal, labels }

    /// Decodes `{"type":"STATIC"|"DYNAMIC","role":…,"principal":…,"labels":[{"key":…,"value":…}]}`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(kind: try container.decodeIfPresent(Kind.self, forKey: .type) ?? .static,
                  role: try container.decode(Role.self, forKey: .role),
                  principal: try container.decodeIfPresent(String.self, forKey: .principal),
                  labels: try container.decodeIfPresent([Label].self, forKey: .labels) ?? [])
    }

    /// Encodes the JSON shape above, omitting empty optional fields.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .type)
        try container.encode(role, forKey: .role)
        try container.encodeIfPresent(principal, forKey: .principal)
        if !labels.isEmpty { try container.encode(labels, forKey: .labels) }
    }
}
