extension EncoderState {
    /// Returns the container requested from the encoder of slot (`level`, `slotStart`), opening it
    /// if needed; returns `Int.max` and records a deferred error on misuse.
    func acquireContainer(keyed: Bool, level: Int, slotStart: Int, pathLength: Int) -> Int {
        if level >= 0, level < openCount {
            let existing = frame(level)
            guard existing.slotStart == slotStart else {
                return fail("an encoder was used after its value was finished")
            }
            guard existing.keyed == keyed else {
                return fail("requested a \(keyed ? "keyed" : "unkeyed") container from an encoder that "
                    + "already has a container of the other kind")
            }
            return level
        }
        guard level == openCount, writer.count == slotStart else {
            return fail("requested a container from an encoder that already encoded a value")
        }
        truncatePath(pathLength)
        return pushFrame(keyed: keyed, pathBase: pathLength)
    }

    /// Checks that a single value may be written into the slot (`level`, `slotStart`).
    func beginSingleValue(level: Int, slotStart: Int, pathLength: Int) throws {
        guard level == openCount, writer.count == slotStart else {
            throw deferredError ?? misuse("a single value container was asked to encode a second value, "
                + "or was used after its value was finished")
        }
        truncatePath(pathLength)
    }

    /// Marks the element just begun in the innermost container as a `superEncoder()` slot whose
    /// coding key is `key`, and returns the encoder for it.
    func openSuperSlot(key: some CodingKey) -> SlotEncoder {
        codingPath.append(key)
        let slot = writer.count
        top.pendingSlot = slot
        return SlotEncoder(state: self, slotStart: slot, level: openCount, pathLength: codingPath.count)
    }

    /// Opens a nested container as the element just begun in the innermost container.
    func openNestedContainer(keyed: Bool, key: some CodingKey) -> (frame: Int, slotStart: Int) {
        let pathBase = codingPath.count
        codingPath.append(key)
        let slot = writer.count
        return (pushFrame(keyed: keyed, pathBase: pathBase), slot)
    }

    /// An encoder that rejects everything, returned after a misuse was recorded.
    func deadEncoder() -> SlotEncoder {
        SlotEncoder(state: self, slotStart: -1, level: Int(Int32.max), pathLength: 0)
    }

    /// Builds an `EncodingError` for API misuse at the current coding path.
    func misuse(_ message: String) -> EncodingError {
        EncodingError.invalidValue(message, EncodingError.Context(codingPath: codingPath, debugDescription: message))
    }

    /// Records a deferred misuse error and returns an invalid container index.
    func fail(_ message: String) -> Int {
        if !hasDeferredError {
            deferredError = misuse(message)
            hasDeferredError = true
        }
        return Int.max
    }

    /// The coding path of container `index`, or the current path if it is closed.
    func path(ofFrame index: Int) -> [any CodingKey] {
        let length = index >= 0 && index < openCount ? frame(index).pathLength : codingPath.count
        return Array(codingPath.prefix(length))
    }

    /// Closes all containers and reports any deferred misuse.
    func finish() throws {
        closeFrames(downTo: 0)
        if hasDeferredError, let deferredError {
            throw deferredError
        }
    }
}
