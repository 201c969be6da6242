extension ResourceValue {
    /// The merged value of two same-kind values (the caller guarantees the kinds match).
    func adding(_ other: ResourceValue) -> ResourceValue {
        switch (self, other) {
        case (.scalar(let left), .scalar(let right)): .scalar(left + right)
        case (.ranges(let left), .ranges(let right)): .ranges(left.adding(right))
        case (.set(let left), .set(let right)): .set(left.adding(right))
        default: self
        }
    }

    /// What is left of `self` after removing `other`; scalars stop at zero rather than going negative.
    func subtracting(_ other: ResourceValue) -> ResourceValue {
        switch (self, other) {
        case (.scalar(let left), .scalar(let right)): .scalar(Swift.max(.zero, left - right))
        case (.ranges(let left), .ranges(let right)): .ranges(left.subtracting(right))
        case (.set(let left), .set(let right)): .set(left.subtracting(right))
        default: self
        }
    }

    /// Whether `self` holds at least `other`.
    func contains(_ other: ResourceValue) -> Bool {
        switch (self, other) {
        case (.scalar(let left), .scalar(let right)): left >= right
        case (.ranges(let left), .ranges(let right)): left.contains(right)
        case (.set(let left), .set(let right)): left.contains(right)
        default: false
        }
    }
}

extension Resources {
    /// Adds one resource, merging it into the entry with the same key. O(log n) search plus an insertion.
    public mutating func add(_ resource: Resource) {
        guard !resource.value.isEmpty else { return }
        let index = insertionIndex(of: resource)
        if index < entries.count && entries[index].sameKey(resource) {
            entries[index].value = entries[index].value.adding(resource.value)
        } else {
            entries.insert(resource, at: index)
        }
    }

    /// Removes as much of `resource` as is present; removing more than is held leaves nothing of that key.
    public mutating func subtract(_ resource: Resource) {
        let index = insertionIndex(of: resource)
        guard index < entries.count && entries[index].sameKey(resource) else { return }
        let remaining = entries[index].value.subtracting(resource.value)
        if remaining.isEmpty { entries.remove(at: index) } else { entries[index].value = remaining }
    }

    private func insertionIndex(of resource: Resource) -> Int {
        var low = 0
        var high = entries.count
        while low < high {
            let mid = (low + high) / 2
            if Resource.precedes(entries[mid], resource) { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// Whether every entry of `other` is held by `self` in at least that amount (same name, reservation, kind).
    public func contains(_ other: Resources) -> Bool {
        if other.isEmpty { return true }
        var index = 0
        for wanted in other.entries {
            while index < entries.count && Resource.precedes(entries[index], wanted) { index += 1 }
            guard index < entries.count, entries[index].sameKey(wanted),
                  entries[index].value.contains(wanted.value) else { return false }
        }
        return true
    }

    /// The sum; a linear merge of the two canonical arrays, O(1) when either side is empty.
    public static func + (lhs: Resources, rhs: Resources) -> Resources {
        if lhs.isEmpty { return rhs }
        if rhs.isEmpty { return lhs }
        var merged = ContiguousArray<Resource>()
        merged.reserveCapacity(lhs.entries.count + rhs.entries.count)
        var left = 0
        var right = 0
        while left < lhs.entries.count && right < rhs.entries.count {
            let a = lhs.entries[left]
            let b = rhs.entries[right]
            if Resource.precedes(a, b) {
                merged.append(a)
                left += 1
            } else if Resource.precedes(b, a) {
                merged.append(b)
                right += 1
            } else {
                merged.append(Resource(name: a.name, value: a.value.adding(b.value), reservation: a.reservation))
                left += 1
                right += 1
            }
        }
        merged.append(contentsOf: lhs.entries[left...])
        merged.append(contentsOf: rhs.entries[right...])
        return Resources(canonical: merged)
    }

    /// What is left of `lhs` after removing `rhs`, entry by entry; never negative. Check ``contains(_:)`` first
    /// when removing more than is held would be a bookkeeping error.
    public static func - (lhs: Resources, rhs: Resources) -> Resources {
        if rhs.isEmpty || lhs.isEmpty { return lhs }
        if lhs == rhs { return Resources() }
        var result = ContiguousArray<Resource>()
        result.reserveCapacity(lhs.entries.count)
        var right = 0
        for entry in lhs.entries {
            while right < rhs.entries.count && Resource.precedes(rhs.entries[right], entry) { right += 1 }
            if right < rhs.entries.count && rhs.entries[right].sameKey(entry) {
                let remaining = entry.value.subtracting(rhs.entries[right].value)
                if !remaining.isEmpty {
                    result.append(Resource(name: entry.name, value: remaining, reservation: entry.reservation))
                }
            } else {
                result.append(entry)
            }
        }
        return Resources(canonical: result)
    }

    /// In-place sum.
    public static func += (lhs: inout Resources, rhs: Resources) { lhs = lhs + rhs }

    /// In-place difference.
    public static func -= (lhs: inout Resources, rhs: Resources) { lhs = lhs - rhs }
}
