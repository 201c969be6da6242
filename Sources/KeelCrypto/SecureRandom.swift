#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Cryptographically secure random bytes from the operating system kernel.
public enum SecureRandom {
    /// Returns `count` cryptographically secure random bytes (an empty array when `count <= 0`).
    ///
    /// Sources, in order:
    /// 1. the kernel CSPRNG through `getentropy(3)`, which glibc implements with the
    ///    `getrandom(2)` system call (it blocks only until the kernel pool is first seeded);
    /// 2. if that is unavailable (e.g. an old kernel answering `ENOSYS`, or a seccomp filter),
    ///    reading `/dev/urandom`;
    /// 3. if neither works, the standard library's `SystemRandomNumberGenerator`, which uses the
    ///    same kernel sources and traps rather than ever returning predictable bytes.
    ///
    /// So this function never fails silently: it either returns kernel entropy or stops the
    /// process.
    public static func bytes(_ count: Int) -> [UInt8] {
        guard count > 0 else { return [] }
        var result = [UInt8](repeating: 0, count: count)
        let filled = result.withUnsafeMutableBytes { buffer -> Bool in
            fillFromGetEntropy(buffer) || fillFromDevURandom(buffer)
        }
        if !filled {
            var generator = SystemRandomNumberGenerator()
            for index in result.indices {
                result[index] = generator.next()
            }
        }
        return result
    }

    /// Fills `buffer` with `getentropy`, which accepts at most 256 bytes per call.
    private static func fillFromGetEntropy(_ buffer: UnsafeMutableRawBufferPointer) -> Bool {
        #if canImport(Glibc) || canImport(Musl) || canImport(Darwin)
        guard let base = buffer.baseAddress else { return true }
        let maximumChunk = 256
        var offset = 0
        while offset < buffer.count {
            let chunk = min(maximumChunk, buffer.count - offset)
            if getentropy(base + offset, chunk) != 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += chunk
        }
        return true
        #else
        return false
        #endif
    }

    /// Fills `buffer` by reading `/dev/urandom`, retrying on interruption and short reads.
    private static func fillFromDevURandom(_ buffer: UnsafeMutableRawBufferPointer) -> Bool {
        #if canImport(Glibc) || canImport(Musl) || canImport(Darwin)
        guard let base = buffer.baseAddress else { return true }
        var descriptor: Int32
        repeat {
            descriptor = open("/dev/urandom", O_RDONLY | O_CLOEXEC)
        } while descriptor < 0 && errno == EINTR
        guard descriptor >= 0 else { return false }
        defer { _ = close(descriptor) }
        var offset = 0
        while offset < buffer.count {
            let got = read(descriptor, base + offset, buffer.count - offset)
            if got > 0 {
                offset += got
            } else if got < 0 && errno == EINTR {
                continue
            } else {
                return false
            }
        }
        return true
        #else
        return false
        #endif
    }
}
