import KeelCore

/// Which of a task's sandbox output files to read.
public enum TaskOutputStream: String, Sendable, Hashable, Codable, CaseIterable {
    /// `<sandbox>/stdout`.
    case stdout
    /// `<sandbox>/stderr`.
    case stderr
}

/// A request for a window of a task's output (``OperatorService/readTaskOutput(_:)``,
/// ``AgentService/readTaskOutput(_:)``).
public struct TaskOutputRequest: Sendable, Hashable, Codable {
    /// The most bytes one chunk carries: 256 KiB, well under the runtime's frame limit.
    public static let maximumChunkBytes = 256 * 1024

    /// The task's framework.
    public var frameworkID: FrameworkID
    /// The task.
    public var taskID: TaskID
    /// Which file.
    public var stream: TaskOutputStream
    /// Byte offset to read from.
    public var offset: UInt64
    /// The most bytes wanted; clamped to ``maximumChunkBytes``.
    public var maximumBytes: Int
    /// A request.
    public init(frameworkID: FrameworkID, taskID: TaskID, stream: TaskOutputStream, offset: UInt64,
                maximumBytes: Int = TaskOutputRequest.maximumChunkBytes) {
        self.frameworkID = frameworkID
        self.taskID = taskID
        self.stream = stream
        self.offset = offset
        self.maximumBytes = maximumBytes
    }
}

/// A window of a task's output.
public struct TaskOutputChunk: Sendable, Hashable, Codable {
    /// Where ``data`` starts.
    public var offset: UInt64
    /// The bytes read (empty at the end of what has been written so far).
    public var data: [UInt8]
    /// The file's size when read.
    public var size: UInt64
    /// Whether the task has ended, so the file will not grow: once `offset + data.count == size` and this is set,
    /// the whole output has been read.
    public var complete: Bool
    /// A chunk.
    public init(offset: UInt64, data: [UInt8], size: UInt64, complete: Bool) {
        self.offset = offset
        self.data = data
        self.size = size
        self.complete = complete
    }
}
