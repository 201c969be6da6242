extension WireScan {
    /// Reads a container's element count at `pos` (just after its tag) and enforces every limit.
    ///
    /// - Parameters:
    ///   - keyed: keyed entries need at least 2 bytes each (key length + value tag), unkeyed
    ///     elements at least 1, so the count is bounded by the remaining bytes before any allocation.
    ///   - nesting: the nesting depth of this container (1 for a top-level container).
    static func containerCount(
        _ buf: UnsafeBufferPointer<UInt8>, _ pos: inout Int, keyed: Bool, nesting: Int, limits: CodecLimits
    ) throws(WireError) -> Int {
        if nesting > limits.maxDepth {
            throw WireError.limitExceeded("nesting depth \(nesting) exceeds the limit \(limits.maxDepth)")
        }
        let countOffset = pos
        let count = try length(buf, &pos, unit: keyed ? 2 : 1)
        if count > limits.maxCollectionCount {
            throw WireError.limitExceeded(
                "collection count \(count) at offset \(countOffset) exceeds the limit \(limits.maxCollectionCount)")
        }
        return count
    }

    /// Skips the string or byte payload (length + bytes) at `pos` without validating its contents.
    @inline(__always)
    static func skipLengthPrefixed(_ buf: UnsafeBufferPointer<UInt8>, _ pos: inout Int) throws(WireError) {
        let count = try length(buf, &pos)
        pos &+= count
    }

    /// Skips one complete value starting at `pos`, which is enclosed by `depth` containers.
    ///
    /// The walk is iterative (an explicit stack in `scratch`, reused between calls), so deeply
    /// nested input cannot overflow the native stack; nesting is still limited by
    /// `limits.maxDepth`. Every step consumes at least one byte, so the walk always terminates.
    /// Scalars and structure are validated (tags, minimal varints, lengths); the contents of skipped
    /// strings and keys are not checked for UTF-8. Container ends are remembered in
    /// `scratch.memo` (for large messages) so later scans jump over them.
    static func skipValue(
        _ buf: UnsafeBufferPointer<UInt8>, _ pos: inout Int, depth: Int, limits: CodecLimits,
        scratch: inout SkipScratch
    ) throws(WireError) {
        // Two stack slots per open container: remaining elements << 1 | keyed, and its memo index.
        scratch.stack.removeAll(keepingCapacity: true)
        while true {
            let tagOffset = pos
            try require(buf, pos, 1)
            let tag = buf[pos]
            pos &+= 1
            switch tag {
            case WireTag.null, WireTag.bool0, WireTag.bool1:
                break
            case WireTag.signed, WireTag.unsigned:
                _ = try varUInt(buf, &pos)
            case WireTag.float64:
                try require(buf, pos, 8)
                pos &+= 8
            case WireTag.float32:
                try require(buf, pos, 4)
                pos &+= 4
            case WireTag.string, WireTag.bytes:
                try skipLengthPrefixed(buf, &pos)
            case WireTag.unkeyed, WireTag.keyed:
                if let end = scratch.memo.end(ofContainerAt: tagOffset) {
                    pos = end
                    break
                }
                let keyed = tag == WireTag.keyed
                let count = try containerCount(
                    buf, &pos, keyed: keyed, nesting: depth &+ scratch.stack.count / 2 &+ 1, limits: limits)
                if count > 0 {
                    scratch.stack.append(count << 1 | (keyed ? 1 : 0))
                    scratch.stack.append(scratch.memo.open(tagOffset))
                }
            default:
                throw WireError.invalidTag(tag, offset: tagOffset)
            }
            // Advance to the next pending element, closing finished containers.
            while scratch.stack.count >= 2, scratch.stack[scratch.stack.count &- 2] >> 1 == 0 {
                let memoIndex = scratch.stack.removeLast()
                scratch.stack.removeLast()
                scratch.memo.close(memoIndex, end: pos)
            }
            guard scratch.stack.count >= 2 else { return }
            let top = scratch.stack[scratch.stack.count &- 2]
            scratch.stack[scratch.stack.count &- 2] = top &- 2
            if top & 1 == 1 {
                try skipLengthPrefixed(buf, &pos)
            }
        }
    }
}

extension WireScan {
    /// Skips the value at `pos`, handling scalars inline and deferring containers (and anything
    /// unusual) to ``skipValue(_:_:depth:limits:scratch:)``.
    @inline(__always)
    static func skipScalarOrValue(
        _ buf: UnsafeBufferPointer<UInt8>, _ pos: inout Int, depth: Int, limits: CodecLimits,
        scratch: inout SkipScratch
    ) throws(WireError) {
        try require(buf, pos, 1)
        switch buf[pos] {
        case WireTag.null, WireTag.bool0, WireTag.bool1:
            pos &+= 1
        case WireTag.signed, WireTag.unsigned:
            pos &+= 1
            _ = try varUInt(buf, &pos)
        case WireTag.string, WireTag.bytes:
            pos &+= 1
            try skipLengthPrefixed(buf, &pos)
        default:
            try skipValue(buf, &pos, depth: depth, limits: limits, scratch: &scratch)
        }
    }
}
