import KeelAllocator
import KeelCore

/// When each active agent next needs the master's periodic check (its next ping or its ping timeout), so that
/// ``MasterActor/checkAgents(now:)`` looks only at agents that may be due instead of at every agent on every tick.
///
/// An agent has one live entry: ``schedule(_:at:)`` replaces the previous one (stale heap entries are skipped when
/// they surface). Entries may be early — an agent that called the master since is simply rescheduled — but never
/// late, which keeps the check's decisions those of a full scan.
struct AgentCheckSchedule: Sendable {
    private var heap: [(due: ClockInstant, agent: AgentID)] = []
    private var scheduled: [AgentID: ClockInstant] = [:]

    /// Agents with a live entry.
    var count: Int { scheduled.count }

    /// Makes `at` the agent's only entry.
    mutating func schedule(_ agent: AgentID, at due: ClockInstant) {
        scheduled[agent] = due
        heap.append((due, agent))
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].due < heap[parent].due else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    /// Removes and returns every agent whose live entry is due at `now` or earlier.
    mutating func takeDue(now: ClockInstant) -> [AgentID] {
        var due: [AgentID] = []
        while let agent = popDue(now: now) { due.append(agent) }
        return due
    }

    /// Removes and returns the agent whose live entry is due earliest, if it is due at `now` or earlier. Lets the master
    /// handle due agents one by one without gathering them: an array of a tick's due agents outgrows the allocator's
    /// small-block caches, and on a fragmented heap such allocations cost far more than their size suggests.
    mutating func popDue(now: ClockInstant) -> AgentID? {
        while let first = heap.first, first.due <= now {
            popFirst()
            if scheduled[first.agent] == first.due {
                scheduled[first.agent] = nil
                return first.agent
            }
        }
        return nil
    }

    private mutating func popFirst() {
        let last = heap.removeLast()
        guard !heap.isEmpty else { return }
        heap[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < heap.count, heap[left].due < heap[smallest].due { smallest = left }
            if right < heap.count, heap[right].due < heap[smallest].due { smallest = right }
            if smallest == parent { return }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
    }
}

extension AgentCheckSchedule {
    /// The ``AgentRecord/lastPing`` to give an agent admitted at `now`: an instant within one `interval` before it,
    /// taken from a hash of the agent's ID, so its first ping comes after between 0 and 1 `interval` and then every
    /// `interval`.
    ///
    /// Agents are admitted in bursts — after a master failover all of them re-register within seconds, and the
    /// registrar admits a queue of them in one write — and pinging each one exactly one interval after its admission
    /// would repeat the burst every interval, 50,000 pings in a few seconds on one core. With phases spread evenly
    /// over the interval the master's pings are spread evenly too. The hash (FNV-1a, then mixed) makes the phase reproducible.
    static func firstPingReference(for agent: AgentID, admittedAt now: ClockInstant, interval: Duration) -> ClockInstant {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in agent.value.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        // FNV's last multiplication barely reaches the high bits for IDs that differ in their last characters
        // (sequential agent IDs): a finalizer (MurmurHash3's fmix64) spreads every input bit over all of them.
        hash ^= hash >> 33
        hash &*= 0xff51_afd7_ed55_8ccd
        hash ^= hash >> 33
        hash &*= 0xc4ce_b9fe_1a85_ec53
        hash ^= hash >> 33
        let fraction = Double(hash >> 11) / Double(UInt64(1) << 53)
        return now.advanced(by: .zero - interval * fraction)
    }
}

