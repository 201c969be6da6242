/// An incremental SHA-256 hasher (FIPS 180-4).
///
/// Feed data with any number of `update(_:)` calls and obtain the
/// 32-byte digest with ``finalize()``. The hasher is a plain value type: copying it forks the
/// hash state, which is handy for hashing a common prefix once.
///
/// The whole state (chaining value and one pending block) is stored inline, so hashing never
/// allocates on the heap except for the returned digest array.
///
/// ```swift
/// var hasher = SHA256()
/// hasher.update("abc".utf8)
/// let digest = hasher.finalize()   // 32 bytes
/// ```
public struct SHA256: Sendable {
    /// The size of a SHA-256 digest in bytes (32).
    public static let digestByteCount = 32
    /// The size of a SHA-256 input block in bytes (64).
    public static let blockByteCount = 64

    /// The eight 32-bit words of the chaining value.
    private var state: ChainingValue
    /// Pending input that does not yet fill a block; only the first `pendingCount` bytes are valid.
    private var pending: Block
    /// Number of valid bytes in `pending`, always in `0..<64`.
    private var pendingCount: Int
    /// Total number of message bytes fed so far (modulo 2^64).
    private var messageLength: UInt64

    /// Creates a hasher in the initial state.
    public init() {
        state = ChainingValue()
        pending = (0, 0, 0, 0, 0, 0, 0, 0)
        pendingCount = 0
        messageLength = 0
    }

    /// Feeds `bytes` into the hash.
    ///
    /// Sequences with contiguous storage (`[UInt8]`, `ArraySlice<UInt8>`, `Data`,
    /// `String.UTF8View`, buffer pointers, …) are hashed straight from their storage; other
    /// sequences are consumed byte by byte through the inline block buffer.
    public mutating func update(_ bytes: some Sequence<UInt8>) {
        let handled: Void? = bytes.withContiguousStorageIfAvailable { buffer in
            self.update(UnsafeRawBufferPointer(buffer))
        }
        if handled != nil { return }
        for byte in bytes {
            withUnsafeMutableBytes(of: &pending) { $0[pendingCount] = byte }
            pendingCount += 1
            messageLength &+= 1
            if pendingCount == SHA256.blockByteCount {
                compressPending()
            }
        }
    }

    /// Feeds the bytes of a raw buffer into the hash.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        let count = bytes.count
        messageLength &+= UInt64(truncatingIfNeeded: count)
        var offset = 0
        if pendingCount > 0 {
            let take = min(SHA256.blockByteCount - pendingCount, count)
            let start = pendingCount
            withUnsafeMutableBytes(of: &pending) { block in
                guard let destination = block.baseAddress else { return }
                (destination + start).copyMemory(from: base, byteCount: take)
            }
            pendingCount += take
            offset = take
            if pendingCount < SHA256.blockByteCount { return }
            compressPending()
        }
        let fullBlocks = (count - offset) / SHA256.blockByteCount
        if fullBlocks > 0 {
            SHA256.compress(&state, blocks: base + offset, count: fullBlocks)
            offset += fullBlocks * SHA256.blockByteCount
        }
        let rest = count - offset
        if rest > 0 {
            withUnsafeMutableBytes(of: &pending) { block in
                guard let destination = block.baseAddress else { return }
                destination.copyMemory(from: base + offset, byteCount: rest)
            }
            pendingCount = rest
        }
    }

    /// Applies the final padding and returns the 32-byte digest.
    ///
    /// This method is `consuming`: it ends the hasher's use. To keep hashing after taking an
    /// intermediate digest, finalize a copy (`var copy = hasher; copy.finalize()`).
    public consuming func finalize() -> [UInt8] {
        let bitLength = messageLength &* 8
        var tail: Block = (0, 0, 0, 0, 0, 0, 0, 0)
        let index = pendingCount
        withUnsafeMutableBytes(of: &pending) { $0[index] = 0x80 }
        let lengthOffset = SHA256.blockByteCount - 8
        if index + 1 > lengthOffset {
            // No room for the length in this block: zero its tail, compress, continue in a fresh one.
            withUnsafeMutableBytes(of: &pending) { block in
                for i in (index + 1)..<SHA256.blockByteCount { block[i] = 0 }
            }
            compressPending()
        } else {
            withUnsafeMutableBytes(of: &pending) { block in
                for i in (index + 1)..<lengthOffset { block[i] = 0 }
            }
            tail = pending
        }
        withUnsafeMutableBytes(of: &tail) { block in
            block.storeBytes(of: bitLength.bigEndian, toByteOffset: lengthOffset, as: UInt64.self)
        }
        withUnsafeBytes(of: &tail) { block in
            guard let base = block.baseAddress else { return }
            SHA256.compress(&state, blocks: base, count: 1)
        }
        return state.bigEndianBytes()
    }

    /// Hashes `bytes` in one shot and returns the 32-byte digest.
    public static func hash(_ bytes: some Sequence<UInt8>) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// Compresses the full pending block and empties it.
    private mutating func compressPending() {
        var block = pending
        withUnsafeBytes(of: &block) { raw in
            guard let base = raw.baseAddress else { return }
            SHA256.compress(&state, blocks: base, count: 1)
        }
        pendingCount = 0
    }
}

extension SHA256 {
    /// 64 bytes of inline storage for one input block.
    typealias Block = (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)

    /// The SHA-256 chaining value H0…H7.
    struct ChainingValue {
        var h0: UInt32 = 0x6a09_e667, h1: UInt32 = 0xbb67_ae85
        var h2: UInt32 = 0x3c6e_f372, h3: UInt32 = 0xa54f_f53a
        var h4: UInt32 = 0x510e_527f, h5: UInt32 = 0x9b05_688c
        var h6: UInt32 = 0x1f83_d9ab, h7: UInt32 = 0x5be0_cd19

        /// The digest: the eight words serialized big-endian.
        func bigEndianBytes() -> [UInt8] {
            var out = [UInt8]()
            out.reserveCapacity(SHA256.digestByteCount)
            for word in [h0, h1, h2, h3, h4, h5, h6, h7] {
                out.append(UInt8(truncatingIfNeeded: word >> 24))
                out.append(UInt8(truncatingIfNeeded: word >> 16))
                out.append(UInt8(truncatingIfNeeded: word >> 8))
                out.append(UInt8(truncatingIfNeeded: word))
            }
            return out
        }
    }

    /// The 64 round constants K0…K63 (first 32 bits of the fractional parts of the cube roots of
    /// the first 64 primes).
    static let roundConstants: [UInt32] = [
        0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
        0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
        0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
        0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
        0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
        0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
        0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
        0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
    ]

    /// Runs the compression function over `count` consecutive 64-byte blocks starting at `blocks`
    /// (no alignment required), updating `state` in place.
    static func compress(_ state: inout ChainingValue, blocks: UnsafeRawPointer, count: Int) {
        roundConstants.withUnsafeBufferPointer { constants in
            withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { schedule in
                guard let k = constants.baseAddress, let w = schedule.baseAddress else { return }
                for blockIndex in 0..<count {
                    compressBlock(&state, blocks + blockIndex * SHA256.blockByteCount, k, w)
                }
            }
        }
    }

    /// One application of the SHA-256 compression function to a single 64-byte block.
    @inline(__always)
    private static func compressBlock(
        _ state: inout ChainingValue,
        _ block: UnsafeRawPointer,
        _ k: UnsafePointer<UInt32>,
        _ w: UnsafeMutablePointer<UInt32>
    ) {
        for t in 0..<16 {
            w[t] = UInt32(bigEndian: block.loadUnaligned(fromByteOffset: t * 4, as: UInt32.self))
        }
        for t in 16..<64 {
            let x = w[t - 15], y = w[t - 2]
            let s0 = rotr(x, 7) ^ rotr(x, 18) ^ (x >> 3)
            let s1 = rotr(y, 17) ^ rotr(y, 19) ^ (y >> 10)
            w[t] = w[t - 16] &+ s0 &+ w[t - 7] &+ s1
        }
        var a = state.h0, b = state.h1, c = state.h2, d = state.h3
        var e = state.h4, f = state.h5, g = state.h6, h = state.h7
        for t in 0..<64 {
            let bigSigma1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)
            let choose = (e & f) ^ (~e & g)
            let t1 = h &+ bigSigma1 &+ choose &+ k[t] &+ w[t]
            let bigSigma0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)
            let majority = (a & b) ^ (a & c) ^ (b & c)
            let t2 = bigSigma0 &+ majority
            h = g; g = f; f = e; e = d &+ t1
            d = c; c = b; b = a; a = t1 &+ t2
        }
        state.h0 &+= a; state.h1 &+= b; state.h2 &+= c; state.h3 &+= d
        state.h4 &+= e; state.h5 &+= f; state.h6 &+= g; state.h7 &+= h
    }

    /// Rotates `x` right by `n` bits (`0 < n < 32`).
    @inline(__always)
    private static func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 {
        (x >> n) | (x << (32 &- n))
    }
}
