/// The value of one resource: an amount, a set of integer ranges, or a set of items.
public enum ResourceValue: Sendable, Hashable {
    /// A divisible amount such as `cpus:1.5` or `mem:8192` (MB).
    case scalar(Quantity)
    /// Integer intervals such as `ports:[31000-32000]`.
    case ranges(ValueRanges)
    /// Named items such as `disks:{sda,sdb}`.
    case set(ValueSet)

    /// Whether the value holds nothing (zero amount, no integers, no items).
    public var isEmpty: Bool {
        switch self {
        case .scalar(let amount): amount.milli <= 0
        case .ranges(let ranges): ranges.isEmpty
        case .set(let set): set.isEmpty
        }
    }

    /// 0 scalar, 1 ranges, 2 set: part of the canonical ordering key.
    var kindTag: Int {
        switch self {
        case .scalar: 0
        case .ranges: 1
        case .set: 2
        }
    }

    /// Mesos' name for the kind, used in JSON and error messages.
    var typeName: String {
        switch self {
        case .scalar: "SCALAR"
        case .ranges: "RANGES"
        case .set: "SET"
        }
    }
}

/// One named resource, optionally reserved: `cpus(eng):2` is `Resource(name: "cpus", value: .scalar(2), …)`.
///
/// Resources with the same name, reservation and value kind are "the same resource" and merge when added into a
/// ``Resources``; anything else stays separate.
public struct Resource: Sendable, Hashable {
    /// The resource name, e.g. `cpus`, `mem`, `disk`, `gpus`, `ports` or any custom name.
    public var name: String
    /// The amount, ranges or set.
    public var value: ResourceValue
    /// The role the resource is set aside for, or `nil` when anyone may use it.
    public var reservation: Reservation?

    /// A resource.
    public init(name: String, value: ResourceValue, reservation: Reservation? = nil) {
        self.name = name
        self.value = value
        self.reservation = reservation
    }

    /// An unreserved or reserved scalar.
    public static func scalar(_ name: String, _ amount: Quantity, reservation: Reservation? = nil) -> Resource {
        Resource(name: name, value: .scalar(amount), reservation: reservation)
    }

    /// Whether `self` and `other` name the same resource (they would merge when added).
    func sameKey(_ other: Resource) -> Bool {
        name == other.name && value.kindTag == other.value.kindTag && reservation == other.reservation
    }

    /// The canonical order inside ``Resources``: name, then unreserved before reserved, then kind.
    static func precedes(_ lhs: Resource, _ rhs: Resource) -> Bool {
        if lhs.name != rhs.name { return lhs.name < rhs.name }
        switch (lhs.reservation, rhs.reservation) {
        case (nil, .some): return true
        case (.some, nil): return false
        case (.some(let left), .some(let right)) where left != right: return Reservation.precedes(left, right)
        default: return lhs.value.kindTag < rhs.value.kindTag
        }
    }

    /// Whether `name` may appear in the text format: non-empty, printable, free of the grammar's delimiters.
    static func isValidName(_ name: some StringProtocol) -> Bool {
        guard !name.isEmpty else { return false }
        for byte in name.utf8 {
            if byte < 0x21 || byte == 0x7F { return false }
            switch byte {
            case UInt8(ascii: ";"), UInt8(ascii: ":"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "["),
                 UInt8(ascii: "]"), UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: ","), UInt8(ascii: "\\"):
                return false
            default: continue
            }
        }
        return true
    }
}
