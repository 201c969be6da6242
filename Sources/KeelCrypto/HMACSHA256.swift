/// An incremental HMAC-SHA256 message authentication code (RFC 2104, FIPS 198-1).
///
/// Keys longer than ``SHA256/blockByteCount`` (64) bytes are first hashed with SHA-256; shorter
/// keys are zero-padded, exactly as RFC 2104 prescribes. Compare tags with
/// ``ConstantTime/equals(_:_:)``, never with `==`.
///
/// ```swift
/// var mac = HMACSHA256(key: secret)
/// mac.update(challenge)
/// let tag = mac.finalize()   // 32 bytes
/// ```
public struct HMACSHA256: Sendable {
    /// The size of an HMAC-SHA256 tag in bytes (32).
    public static let tagByteCount = SHA256.digestByteCount

    /// SHA-256 state already fed with `key ⊕ ipad`.
    private var inner: SHA256
    /// SHA-256 state already fed with `key ⊕ opad`; receives the inner digest on finalization.
    private var outer: SHA256

    /// Creates an authenticator keyed with `key`.
    ///
    /// Keys longer than 64 bytes are replaced by their SHA-256 digest (RFC 2104 §2). Any key
    /// length, including zero, is accepted, but a shared secret should have at least 32 bytes of
    /// entropy.
    public init(key: some Sequence<UInt8>) {
        var keyBlock = Array(key)
        if keyBlock.count > SHA256.blockByteCount {
            keyBlock = SHA256.hash(keyBlock)
        }
        keyBlock.append(contentsOf: repeatElement(0, count: SHA256.blockByteCount - keyBlock.count))
        var pad = [UInt8](repeating: 0, count: SHA256.blockByteCount)
        inner = SHA256()
        outer = SHA256()
        for i in 0..<SHA256.blockByteCount { pad[i] = keyBlock[i] ^ 0x36 }
        inner.update(pad)
        for i in 0..<SHA256.blockByteCount { pad[i] = keyBlock[i] ^ 0x5c }
        outer.update(pad)
        // Best effort: do not leave derived key material in the temporaries.
        for i in 0..<SHA256.blockByteCount {
            keyBlock[i] = 0
            pad[i] = 0
        }
    }

    /// Feeds message bytes into the authenticator.
    public mutating func update(_ bytes: some Sequence<UInt8>) {
        inner.update(bytes)
    }

    /// Feeds the bytes of a raw buffer into the authenticator.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        inner.update(bytes)
    }

    /// Returns the 32-byte tag, `SHA256((key ⊕ opad) ‖ SHA256((key ⊕ ipad) ‖ message))`.
    ///
    /// This method is `consuming`: it ends the authenticator's use. Finalize a copy to take an
    /// intermediate tag and keep going. Truncated tags (e.g. RFC 4231 case 5) are a prefix of the
    /// result.
    public consuming func finalize() -> [UInt8] {
        let innerDigest = inner.finalize()
        outer.update(innerDigest)
        return outer.finalize()
    }

    /// Computes the HMAC-SHA256 tag of `message` under `key` in one shot.
    public static func authenticate(_ message: some Sequence<UInt8>, key: some Sequence<UInt8>) -> [UInt8] {
        var mac = HMACSHA256(key: key)
        mac.update(message)
        return mac.finalize()
    }
}
