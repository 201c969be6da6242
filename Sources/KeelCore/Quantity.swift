/// A fixed-point amount with exactly three decimal digits, stored as an `Int64` count of thousandths.
///
/// Mesos keeps scalar resources at three decimal digits so that adding and subtracting `0.1` a million times never
/// drifts; Keel stores the integer directly, so arithmetic is exact and `Hashable`/`Comparable` agree with `==`.
/// Arithmetic saturates at ``minimum``/``maximum`` instead of trapping, because amounts can come from outside.
public struct Quantity: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Thousandths per unit.
    public static let scale: Int64 = 1000
    /// The largest representable amount: about 9.2 × 10¹² units, far above any real machine, and leaving room
    /// for sums over millions of agents without saturating.
    public static let maximum = Quantity(milli: Int64.max / 1024)
    /// The smallest representable amount (negative only through subtraction of API values; parsers reject it).
    public static let minimum = Quantity(milli: -(Int64.max / 1024))
    /// Zero.
    public static let zero = Quantity(milli: 0)

    /// The amount in thousandths of a unit.
    public var milli: Int64

    /// An amount of `milli` thousandths, clamped into ``minimum``...``maximum``.
    public init(milli: Int64) {
        self.milli = Swift.min(Swift.max(milli, -(Int64.max / 1024)), Int64.max / 1024)
    }

    /// A whole number of units, clamped into range.
    public init(_ units: Int) {
        let (product, overflow) = Int64(units).multipliedReportingOverflow(by: Quantity.scale)
        self.init(milli: overflow ? (units < 0 ? Int64.min : Int64.max) : product)
    }

    /// The nearest thousandth of `value`, or `nil` when it is NaN, infinite or out of range.
    public init?(_ value: Double) {
        guard value.isFinite else { return nil }
        let scaled = (value * Double(Quantity.scale)).rounded(.toNearestOrEven)
        guard abs(scaled) <= Double(Int64.max / 1024) else { return nil }
        self.milli = Int64(scaled)
    }

    /// The amount as a `Double` (exact for every amount below 2⁵³ thousandths).
    public var doubleValue: Double { Double(milli) / Double(Quantity.scale) }

    /// Whether the amount is exactly zero.
    public var isZero: Bool { milli == 0 }

    /// Shortest decimal form: `4`, `0.5`, `1.025`.
    public var description: String {
        let sign = milli < 0 ? "-" : ""
        let magnitude = milli.magnitude
        let whole = magnitude / 1000
        var fraction = magnitude % 1000
        guard fraction != 0 else { return "\(sign)\(whole)" }
        var digits = 3
        while fraction % 10 == 0 { fraction /= 10; digits -= 1 }
        let text = String(fraction)
        return "\(sign)\(whole)." + String(repeating: "0", count: digits - text.count) + text
    }

    /// Orders by amount.
    public static func < (lhs: Quantity, rhs: Quantity) -> Bool { lhs.milli < rhs.milli }

    /// Saturating sum.
    public static func + (lhs: Quantity, rhs: Quantity) -> Quantity {
        let (sum, overflow) = lhs.milli.addingReportingOverflow(rhs.milli)
        return overflow ? (rhs.milli < 0 ? .minimum : .maximum) : Quantity(milli: sum)
    }

    /// Saturating difference.
    public static func - (lhs: Quantity, rhs: Quantity) -> Quantity {
        let (difference, overflow) = lhs.milli.subtractingReportingOverflow(rhs.milli)
        return overflow ? (rhs.milli > 0 ? .minimum : .maximum) : Quantity(milli: difference)
    }

    /// In-place saturating sum.
    public static func += (lhs: inout Quantity, rhs: Quantity) { lhs = lhs + rhs }
    /// In-place saturating difference.
    public static func -= (lhs: inout Quantity, rhs: Quantity) { lhs = lhs - rhs }
}

extension Quantity: Codable {
    /// Decodes a JSON number (or a decimal string), rejecting negative, non-finite and oversized amounts.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            do {
                self = try Quantity.parse(text)
            } catch {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
            }
            return
        }
        let value = try container.decode(Double.self)
        guard value.isFinite else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "non-finite amount \(value)")
        }
        guard value >= 0 else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "negative amount \(value)")
        }
        guard let quantity = Quantity(value) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "amount \(value) too large")
        }
        self = quantity
    }

    /// Encodes as a JSON number.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(doubleValue)
    }
}
