/// A tiny, fast, seeded pseudo-random generator (Steele, Lea & Flood's SplitMix64).
///
/// Keel uses it wherever randomness must be reproducible: agent shuffling in the allocator, the weighted random
/// allocator, and seeded property tests. The same seed always yields the same sequence on every platform.
/// Not suitable for cryptography.
public struct SplitMix64: RandomNumberGenerator, Sendable, Hashable {
    /// The current state; advancing it by the golden-ratio increment gives the next output.
    public private(set) var state: UInt64

    /// A generator starting from `seed`.
    public init(seed: UInt64) { state = seed }

    /// The next 64 pseudo-random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform value in `0..<bound` (bound > 0), via Lemire's multiply-shift (negligible bias for small bounds).
    public mutating func next(below bound: Int) -> Int {
        guard bound > 1 else { return 0 }
        return Int(next().multipliedFullWidth(by: UInt64(bound)).high)
    }

    /// A uniform `Double` in `[0, 1)` with 53 random bits.
    public mutating func nextUnit() -> Double { Double(next() >> 11) * 0x1.0p-53 }
}
