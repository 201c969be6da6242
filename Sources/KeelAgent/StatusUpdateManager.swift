import KeelCore
import KeelProtocol

/// A task's identity on an agent: task IDs are unique only within their framework.
public struct TaskKey: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The task's framework.
    public var frameworkID: FrameworkID
    /// The task.
    public var taskID: TaskID

    /// A key.
    public init(frameworkID: FrameworkID, taskID: TaskID) {
        self.frameworkID = frameworkID
        self.taskID = taskID
    }

    /// `framework/task`.
    public var description: String { "\(frameworkID)/\(taskID)" }

    /// By framework, then task, for deterministic listings.
    public static func < (lhs: TaskKey, rhs: TaskKey) -> Bool {
        (lhs.frameworkID.value, lhs.taskID.value) < (rhs.frameworkID.value, rhs.taskID.value)
    }
}

/// The agent's status update manager as pure state (0003, "Status update reliability"): per task, a FIFO of
/// updates of which only the head is sent (and re-sent) until the framework's acknowledgement of exactly that
/// head's ``TaskStatus/uuid`` arrives; then the next becomes the head. The owning actor does the sending and the
/// timing; this type only decides what to send.
public struct StatusUpdateManager: Sendable {
    private struct Stream: Sendable {
        var pending: [StatusUpdate] = []
        var acknowledged: Set<StatusUpdateID> = []
    }

    /// What ``record(_:)`` did with an update.
    public enum Recorded: Sendable, Hashable {
        /// The task had nothing pending: this update is the new head and should be sent now.
        case sendNow(StatusUpdate)
        /// Queued behind the unacknowledged head; it is sent once everything before it is acknowledged.
        case queued
        /// An update with this uuid was already recorded (pending or acknowledged); ignored.
        case duplicate
        /// The update has no ``TaskStatus/uuid``; such updates need no acknowledgement and are not managed.
        case unmanaged
    }

    /// What ``acknowledge(_:uuid:)`` did.
    public enum Acknowledged: Sendable, Hashable {
        /// The head was acknowledged and popped; `next` (the new head, if any) should be sent now.
        case popped(acknowledged: StatusUpdate, next: StatusUpdate?)
        /// The uuid was already acknowledged earlier (a duplicate acknowledgement); ignored.
        case duplicate
        /// The uuid is not the task's head (an acknowledgement for a newer update, or a stale or foreign one);
        /// ignored. `head` is the uuid the manager waits for.
        case notHead(head: StatusUpdateID?)
        /// The manager holds nothing for this task.
        case unknownTask
    }

    private var streams: [TaskKey: Stream] = [:]

    /// An empty manager.
    public init() {}

    /// Records `update` for its task (keyed by framework and task ID).
    public mutating func record(_ update: StatusUpdate) -> Recorded {
        guard let uuid = update.status.uuid else { return .unmanaged }
        let key = TaskKey(frameworkID: update.frameworkID, taskID: update.status.taskID)
        var stream = streams[key] ?? Stream()
        if stream.acknowledged.contains(uuid) || stream.pending.contains(where: { $0.status.uuid == uuid }) {
            return .duplicate
        }
        stream.pending.append(update)
        streams[key] = stream
        if stream.pending.count == 1, let head = head(of: key) { return .sendNow(head) }
        return .queued
    }

    /// The update to (re-)send for `key`, with ``StatusUpdate/latestState`` set to the newest state recorded for the
    /// task, or `nil` when nothing is pending.
    public func head(of key: TaskKey) -> StatusUpdate? {
        guard let stream = streams[key], var head = stream.pending.first, let last = stream.pending.last else {
            return nil
        }
        head.latestState = last.status.state
        return head
    }

    /// The heads of every task with pending updates, ordered by task key (what to flush after a re-registration).
    public var heads: [StatusUpdate] { streams.keys.sorted().compactMap { head(of: $0) } }

    /// Every update not yet acknowledged for `key`, oldest first.
    public func pending(for key: TaskKey) -> [StatusUpdate] { streams[key]?.pending ?? [] }

    /// Whether anything is unacknowledged for `key`.
    public func hasPending(_ key: TaskKey) -> Bool { !(streams[key]?.pending.isEmpty ?? true) }

    /// Applies the framework's acknowledgement of `uuid` for `key`.
    public mutating func acknowledge(_ key: TaskKey, uuid: StatusUpdateID) -> Acknowledged {
        guard var stream = streams[key] else { return .unknownTask }
        if stream.acknowledged.contains(uuid) { return .duplicate }
        guard let first = stream.pending.first, first.status.uuid == uuid else {
            return .notHead(head: stream.pending.first?.status.uuid)
        }
        stream.pending.removeFirst()
        stream.acknowledged.insert(uuid)
        streams[key] = stream
        return .popped(acknowledged: first, next: head(of: key))
    }

    /// Forgets everything about `key` (the task ended and its last update was acknowledged).
    public mutating func forget(_ key: TaskKey) { streams[key] = nil }
}
