/// The 128-bit identity of one status update, used to acknowledge exactly that update (Mesos' `uuid`).
///
/// The agent's status update manager assigns it when it first records an update and keeps it across retries, so
/// an acknowledgement for an older update of the same task never acknowledges a newer one.
public struct StatusUpdateID: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The high 64 bits.
    public var high: UInt64
    /// The low 64 bits.
    public var low: UInt64

    /// An identity from its two halves.
    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// A random identity drawn from `generator` (inject a seeded generator for reproducible simulations).
    public static func random(using generator: inout some RandomNumberGenerator) -> StatusUpdateID {
        StatusUpdateID(high: generator.next(), low: generator.next())
    }

    /// 32 lowercase hexadecimal digits.
    public var description: String {
        let high = String(self.high, radix: 16)
        let low = String(self.low, radix: 16)
        return String(repeating: "0", count: 16 - high.count) + high + String(repeating: "0", count: 16 - low.count) + low
    }
}
