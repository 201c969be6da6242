/// The state shared by every decoder and container during one ``BinaryDecoder`` call.
///
/// `buffer` points into the caller's bytes and is only valid for the duration of the call; it is
/// replaced by an empty buffer afterwards, so a `Decoder` that escapes `init(from:)` can only
/// produce errors, never read freed memory.
///
/// Exclusivity: the mutable properties are `@exclusivity(unchecked)` for speed. This is sound
/// because a `DecoderState` is used synchronously on one thread and no codec method accesses a
/// property while another access to the same property is in progress (`skipScratch` is passed
/// `inout` only to `WireScan`'s skip functions, which never touch the state).
final class DecoderState {
    /// The message. Index 0 is the first byte, so indices are the offsets reported in errors.
    @exclusivity(unchecked) var buffer: UnsafeBufferPointer<UInt8>
    /// Limits applied to the message.
    let limits: CodecLimits
    /// The caller's user info (see ``BinaryDecoder/init(limits:userInfoKey:value:)`` for the lazy entry).
    var userInfo: [CodingUserInfoKey: Any] {
        if let entry = lazyEntry {
            lazyEntry = nil
            eagerUserInfo[entry.key] = entry.value
        }
        return eagerUserInfo
    }
    @exclusivity(unchecked) private var eagerUserInfo: [CodingUserInfoKey: Any]
    @exclusivity(unchecked) private var lazyEntry: (key: CodingUserInfoKey, value: AnyObject)?
    /// The coding path of the value being decoded (a stack maintained by `decodeValue`).
    @exclusivity(unchecked) var codingPath: [any CodingKey] = []
    /// Scratch space (walk stack, container-end memo) reused by `WireScan.skipValue`.
    @exclusivity(unchecked) var skipScratch: SkipScratch
    /// Start offset of the last value whose end is known (see `recordEnd`), or -1.
    @exclusivity(unchecked) var knownStart = -1
    /// End offset of the value starting at `knownStart`.
    @exclusivity(unchecked) var knownEnd = -1

    init(buffer: UnsafeBufferPointer<UInt8>, limits: CodecLimits, userInfo: [CodingUserInfoKey: Any],
         lazyEntry: (key: CodingUserInfoKey, value: AnyObject)? = nil) {
        self.buffer = buffer
        self.limits = limits
        self.eagerUserInfo = userInfo
        self.lazyEntry = lazyEntry
        skipScratch = SkipScratch(messageSize: buffer.count)
    }

    /// The scalar reader over the message (a view, free to make).
    @inline(__always)
    var scalars: ScalarReader { ScalarReader(buffer: buffer, limits: limits) }

    /// Records that the value starting at `start` ends at `end`, so a parent does not have to skip
    /// over it again. Any record is correct: a value's end is a function of the bytes alone.
    @inline(__always)
    func recordEnd(start: Int, end: Int) {
        knownStart = start
        knownEnd = end
    }

    /// Skips the value at `pos`, which is enclosed by `depth` containers.
    func skipValue(at pos: inout Int, depth: Int) throws(WireError) {
        try WireScan.skipValue(buffer, &pos, depth: depth, limits: limits, scratch: &skipScratch)
    }

    /// Moves `pos` past the value starting there, using a recorded end when available.
    @inline(__always)
    func advancePastValue(at pos: inout Int, depth: Int) throws(WireError) {
        if knownStart == pos, knownEnd > pos {
            pos = knownEnd
        } else {
            try skipValue(at: &pos, depth: depth)
        }
    }

    /// Runs `body` with `codingPath` set to the path of a container described by the first
    /// `base` elements of the current path plus `extra`; restores the previous path afterwards.
    @inline(__always)
    func withPath<R>(base: Int, extra: [any CodingKey], _ body: () throws -> R) throws -> R {
        if codingPath.count == base, extra.isEmpty {
            return try body()
        }
        let saved = codingPath
        codingPath = Array(codingPath.prefix(base)) + extra
        defer { codingPath = saved }
        return try body()
    }

    /// Decodes one value of type `T` at `pos` (enclosed by `depth` containers), advancing `pos`
    /// past it.
    func decodeValue<T: Decodable>(_ type: T.Type, at pos: inout Int, depth: Int) throws -> T {
        let kind = PrimitiveKind.of(T.self)
        if kind != .none {
            return try scalars.readPrimitive(kind, as: T.self, at: &pos, depth: depth)
        }
        return try decodeComposite(T.self, at: &pos, depth: depth, pathBase: codingPath.count)
    }

    /// Decodes one value like ``decodeValue(_:at:depth:)``, with `key` on the coding path while a
    /// nested decoder runs.
    func decodeValue<T: Decodable, K: CodingKey>(_ type: T.Type, at pos: inout Int, depth: Int, key: K) throws -> T {
        let kind = PrimitiveKind.of(T.self)
        if kind != .none {
            return try scalars.readPrimitive(kind, as: T.self, at: &pos, depth: depth)
        }
        let pathBase = codingPath.count
        codingPath.append(key)
        return try decodeComposite(T.self, at: &pos, depth: depth, pathBase: pathBase)
    }

    /// Runs `T.init(from:)` on the value at `pos`, then moves `pos` past the value and cuts the
    /// coding path back to `pathBase`.
    func decodeComposite<T: Decodable>(_ type: T.Type, at pos: inout Int, depth: Int, pathBase: Int) throws -> T {
        defer {
            if codingPath.count > pathBase {
                codingPath.removeSubrange(pathBase...)
            }
        }
        let decoder = SlotDecoder(state: self, offset: pos, depth: depth, pathLength: codingPath.count)
        let value = try T(from: decoder)
        try advancePastValue(at: &pos, depth: depth)
        return value
    }

    /// Describes `path` plus `key` for a missing-key error.
    func missingKey(_ key: some CodingKey, path: [any CodingKey]) -> WireError {
        WireError.missingKey((path + [key]).dottedPath)
    }
}
