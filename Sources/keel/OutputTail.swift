import Foundation
import KeelCore
import KeelProtocol

/// Follows a task's `stdout` and `stderr` through the master's operator API and copies them to this process's
/// standard output and error, like `tail -f`, until the agent says the task ended and everything was read.
actor OutputTail {
    /// How often an idle tail asks again. Files offer no change notification across machines, so a tail polls;
    /// 100 ms keeps interactive output prompt at a negligible cost.
    static let pollInterval: Duration = .milliseconds(100)

    private let api: $OperatorService
    private let frameworkID: FrameworkID
    private let taskID: TaskID
    private var offsets: [TaskOutputStream: UInt64] = [.stdout: 0, .stderr: 0]
    private var finished: Set<TaskOutputStream> = []
    private var lastProblem: String?

    init(api: $OperatorService, frameworkID: FrameworkID, taskID: TaskID) {
        self.api = api
        self.frameworkID = frameworkID
        self.taskID = taskID
    }

    /// Copies output until both streams are complete or the task is cancelled.
    func run() async {
        while !Task.isCancelled && finished.count < TaskOutputStream.allCases.count {
            var progressed = false
            for stream in TaskOutputStream.allCases where !finished.contains(stream) {
                progressed = await pump(stream) || progressed
            }
            if !progressed {
                do { try await Task.sleep(for: Self.pollInterval) } catch { return }
            }
        }
    }

    /// Reads one chunk of `stream`; returns whether it moved forward.
    private func pump(_ stream: TaskOutputStream) async -> Bool {
        let offset = offsets[stream] ?? 0
        let chunk: TaskOutputChunk
        do {
            chunk = try await api.readTaskOutput(TaskOutputRequest(frameworkID: frameworkID, taskID: taskID,
                                                                   stream: stream, offset: offset))
        } catch {
            // Not launched yet (no sandbox), or the agent is briefly unreachable: keep trying; say so once.
            let problem = String(describing: error)
            if problem != lastProblem, !(error is AgentError) {
                lastProblem = problem
                note("keel run: cannot read the task's \(stream.rawValue) yet: \(problem)")
            }
            return false
        }
        if !chunk.data.isEmpty {
            let handle = stream == .stdout ? FileHandle.standardOutput : FileHandle.standardError
            handle.write(Data(chunk.data))
            offsets[stream] = offset + UInt64(chunk.data.count)
        }
        if chunk.complete && (offsets[stream] ?? 0) >= chunk.size { finished.insert(stream) }
        return !chunk.data.isEmpty
    }
}

/// Writes a line to standard error (the channel of `keel run`'s own messages, keeping stdout for the task's).
func note(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
