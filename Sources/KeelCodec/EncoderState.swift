/// The mutable state shared by every encoder and container during one ``BinaryEncoder`` call.
///
/// The encoder streams: values are written straight into one buffer, in call order. A container's
/// element count is written as a one-byte placeholder that is patched (and, for 128 or more
/// elements, widened in place) when the container is closed. Containers form a stack; a container
/// is closed when its enclosing value finishes or when a write goes to a container lower in the
/// stack. Writing to a container after it was closed (interleaving writes between sibling
/// containers) is reported as an `EncodingError`; synthesized `Codable` conformances never do this.
///
/// Exclusivity: the mutable properties are marked `@exclusivity(unchecked)` because dynamic
/// enforcement cost more than the encoding itself. This is sound because an `EncoderState` is
/// created per `encode` call and used synchronously on one thread, and no codec method accesses a
/// property while another access to the same property is in progress (no closure that touches the
/// state runs inside a mutation of one of its properties).
final class EncoderState {
    /// One open container.
    struct Frame {
        /// Offset of the container's tag byte; identifies the slot the container occupies.
        var slotStart: Int
        /// Offset of the one-byte count placeholder.
        var countOffset: Int
        /// Elements (or entries) written so far.
        var count: Int
        /// `codingPath.count` to restore when the container closes.
        var pathBase: Int
        /// `codingPath.count` of the container's own coding path.
        var pathLength: Int
        /// Offset where a `superEncoder()` value must appear, or -1 when none is pending.
        var pendingSlot: Int
        /// Whether this is a keyed container.
        var keyed: Bool
    }

    /// The output buffer.
    @exclusivity(unchecked) var writer: ByteWriter
    /// The innermost open container (meaningful only while `openCount > 0`). Kept out of `frames`
    /// so the common case, writing to the innermost container, touches no array.
    @exclusivity(unchecked) var top = Frame(
        slotStart: -1, countOffset: -1, count: 0, pathBase: 0, pathLength: 0, pendingSlot: -1, keyed: false)
    /// The open containers below `top`, outermost first (`openCount - 1` elements).
    @exclusivity(unchecked) var frames: [Frame] = []
    /// The number of open containers; container `i` is `frames[i]`, or `top` for the last one.
    @exclusivity(unchecked) var openCount = 0
    /// The coding path of the value currently being encoded.
    @exclusivity(unchecked) var codingPath: [any CodingKey] = []
    /// The first misuse detected by a non-throwing API (such as `container(keyedBy:)`).
    @exclusivity(unchecked) var deferredError: EncodingError?
    /// Whether `deferredError` is set (a cheap check for the hot path).
    @exclusivity(unchecked) var hasDeferredError = false
    /// The caller's user info, shared by every encoder.
    let userInfo: [CodingUserInfoKey: Any]

    init(writer: ByteWriter, userInfo: [CodingUserInfoKey: Any]) {
        self.writer = writer
        self.userInfo = userInfo
    }

    // MARK: - Frames

    /// Container `index`, which must be open.
    @inline(__always)
    func frame(_ index: Int) -> Frame {
        index == openCount &- 1 ? top : frames[index]
    }

    /// Whether container `index` is open and still the one that started at `slotStart`.
    @inline(__always)
    func isOpen(_ index: Int, slotStart: Int) -> Bool {
        index >= 0 && index < openCount && frame(index).slotStart == slotStart
    }

    /// Opens a container at the end of the buffer and returns its index.
    func pushFrame(keyed: Bool, pathBase: Int) -> Int {
        let slotStart = writer.count
        writer.writeByte(keyed ? WireTag.keyed : WireTag.unkeyed)
        writer.writeByte(0)
        if openCount > 0 {
            frames.append(top)
        }
        top = Frame(
            slotStart: slotStart, countOffset: slotStart &+ 1, count: 0, pathBase: pathBase,
            pathLength: codingPath.count, pendingSlot: -1, keyed: keyed)
        openCount &+= 1
        return openCount &- 1
    }

    /// Closes the innermost container, patching its count.
    func closeTop() {
        if top.pendingSlot >= 0, writer.count == top.pendingSlot {
            writeEmptyKeyed()
        }
        patchCount(top.count, at: top.countOffset)
        truncatePath(top.pathBase)
        dropTop()
    }

    /// Forgets the innermost container without patching it (its bytes are being discarded).
    @inline(__always)
    func dropTop() {
        openCount &-= 1
        if openCount > 0 {
            top = frames.removeLast()
        }
    }

    /// Closes every container above `level`.
    @inline(__always)
    func closeFrames(downTo level: Int) {
        while openCount > level {
            closeTop()
        }
    }

    /// Forgets every container above `level` without patching them.
    func dropFrames(downTo level: Int) {
        while openCount > max(level, 0) {
            dropTop()
        }
    }

    /// Writes `count` into the one-byte placeholder at `offset`, widening it if needed.
    func patchCount(_ count: Int, at offset: Int) {
        if count < 0x80 {
            writer.storage[offset] = UInt8(truncatingIfNeeded: count)
            return
        }
        var varint = ByteWriter(capacity: WireScan.maxVarintLength)
        varint.writeVarUInt(UInt64(count))
        writer.storage[offset] = varint.storage[0]
        writer.storage.insert(contentsOf: varint.storage[1...], at: offset &+ 1)
    }

    /// Shortens the coding path to `length` elements.
    @inline(__always)
    func truncatePath(_ length: Int) {
        if codingPath.count > length {
            codingPath.removeSubrange(length...)
        }
    }

    /// Makes container `index` the innermost open one so it can be written to.
    ///
    /// Returns `false` when the container has already been closed (or never opened).
    @inline(__always)
    func prepareWrite(frame index: Int, slotStart: Int) -> Bool {
        if index != openCount &- 1 || top.slotStart != slotStart {
            guard isOpen(index, slotStart: slotStart) else { return false }
            closeFrames(downTo: index &+ 1)
        }
        if top.pendingSlot >= 0 {
            if writer.count == top.pendingSlot {
                writeEmptyKeyed()
            }
            top.pendingSlot = -1
        }
        if codingPath.count != top.pathLength {
            truncatePath(top.pathLength)
        }
        return true
    }

    /// Starts a new element of container `index`, writing `key` first for keyed containers.
    ///
    /// Returns the offset where the element starts, for ``rollbackElement(frame:to:)``.
    @inline(__always) @discardableResult
    func beginElement(frame index: Int, slotStart: Int, key: String?) throws -> Int {
        guard prepareWrite(frame: index, slotStart: slotStart) else {
            throw closedContainerError()
        }
        let mark = writer.count
        if let key {
            writer.writeString(key)
        }
        top.count &+= 1
        return mark
    }

    /// The error for writing to a closed container.
    func closedContainerError() -> EncodingError {
        deferredError ?? misuse("a container was written to after it was closed; "
            + "interleaving writes between containers is not supported by the streaming encoder")
    }

    /// Undoes a failed element of container `index` that started at `mark`.
    func rollbackElement(frame index: Int, to mark: Int) {
        guard index >= 0, index < openCount else { return }
        dropFrames(downTo: index &+ 1)
        writer.truncate(to: mark)
        top.count &-= 1
        top.pendingSlot = -1
        truncatePath(top.pathLength)
    }
}
