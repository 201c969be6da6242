import KeelCore
import KeelProtocol

/// The most recent completed tasks the master no longer tracks (Mesos' completed-task history): terminal tasks
/// whose final update was acknowledged, and the tasks of removed frameworks. Bounded; the oldest go first.
public struct CompletedTasks: Sendable {
    /// How many are kept.
    public let capacity: Int
    private var records: [TaskRecord] = []
    private var start = 0

    /// An empty history keeping at most `capacity` tasks (at least 1).
    public init(capacity: Int) { self.capacity = max(1, capacity) }

    /// Adds a completed task, evicting the oldest beyond ``capacity`` (amortised O(1)).
    public mutating func append(_ record: TaskRecord) {
        records.append(record)
        if records.count - start > capacity { start += 1 }
        if start >= capacity {
            records.removeFirst(start)
            start = 0
        }
    }

    /// The kept tasks, oldest first.
    public var all: ArraySlice<TaskRecord> { records[start...] }

    /// The newest kept record of a task.
    public func find(_ frameworkID: FrameworkID, _ taskID: TaskID) -> TaskRecord? {
        all.last { $0.frameworkID == frameworkID && $0.info.taskID == taskID }
    }
}
