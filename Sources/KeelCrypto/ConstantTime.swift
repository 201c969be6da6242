/// Comparisons whose running time does not depend on the contents being compared.
///
/// Use these to check secrets such as HMAC tags, so that an attacker cannot learn how many
/// leading bytes of a forged tag were right by timing the comparison.
public enum ConstantTime {
    /// Returns whether `a` and `b` hold the same bytes.
    ///
    /// When the lengths match, every byte pair is examined and the differences are accumulated
    /// with bitwise OR, so there is no early exit on content. Lengths are not treated as secret:
    /// a length mismatch returns `false` immediately.
    public static func equals(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for (x, y) in zip(a, b) {
            difference |= x ^ y
        }
        return isZero(difference)
    }

    /// Maps the accumulated difference to a `Bool` without a data-dependent branch in our code.
    @inline(never)
    private static func isZero(_ difference: UInt8) -> Bool {
        // (d - 1) has its top bit set only when d == 0 (computed in a wider type to avoid wrap).
        let widened = UInt16(difference) &- 1
        return (widened >> 15) == 1
    }
}
