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
        while let first = heap.first, first.due <= now {
            popFirst()
            if scheduled[first.agent] == first.due {
                scheduled[first.agent] = nil
                due.append(first.agent)
            }
        }
        return due
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
