/// Resource limits applied by ``BinaryDecoder`` to untrusted input.
///
/// Independently of these limits, every length and element count is first checked against the
/// bytes actually remaining, so a short message can never cause a large allocation.
public struct CodecLimits: Sendable, Equatable {
    /// The maximum container nesting depth (the top-level container has depth 1). Also enforced
    /// while skipping unknown values. Keep this modest: recursive `Decodable` types recurse on the
    /// native stack once per level.
    public var maxDepth: Int
    /// The maximum element count of a single unkeyed or keyed container.
    public var maxCollectionCount: Int
    /// The maximum UTF-8 byte length of a single string or key.
    public var maxStringLength: Int

    /// Creates limits; the defaults suit RPC envelopes.
    public init(maxDepth: Int = 64, maxCollectionCount: Int = 1_000_000, maxStringLength: Int = 16 << 20) {
        self.maxDepth = maxDepth
        self.maxCollectionCount = maxCollectionCount
        self.maxStringLength = maxStringLength
    }
}
