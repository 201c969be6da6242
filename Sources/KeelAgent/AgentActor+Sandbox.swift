import Distributed
import KeelCore
import KeelProtocol

/// Task output: the sandbox of every live task, and of the most recent completed ones (like Mesos' completed
/// executors), can be read through ``AgentService/readTaskOutput(_:)``.
extension AgentActor {
    public distributed func readTaskOutput(_ request: TaskOutputRequest) async throws -> TaskOutputChunk {
        let key = TaskKey(frameworkID: request.frameworkID, taskID: request.taskID)
        let live = tasks[key]
        guard let sandbox = live?.sandbox ?? completedSandboxes[key] else {
            throw AgentError.unknownTask(request.frameworkID, request.taskID)
        }
        // Decide completeness before reading: output written after the exit cannot exist, so a read that starts
        // after the task ended sees everything.
        let complete = live.map { $0.state.isTerminal && $0.containerID == nil } ?? true
        let path = sandbox + "/" + request.stream.rawValue
        let (data, size) = try await sandboxReader.read(path, offset: request.offset,
                                                        maximumBytes: request.maximumBytes)
        return TaskOutputChunk(offset: request.offset, data: data, size: size, complete: complete)
    }

    /// Keeps a forgotten task's sandbox readable, deleting the oldest beyond
    /// ``AgentConfiguration/completedSandboxCapacity``.
    func rememberCompletedSandbox(_ key: TaskKey, _ sandbox: String?) {
        guard let sandbox else { return }
        if completedSandboxes.updateValue(sandbox, forKey: key) == nil { completedOrder.append(key) }
        while completedOrder.count > max(0, configuration.completedSandboxCapacity) {
            guard let evicted = completedSandboxes.removeValue(forKey: completedOrder.removeFirst()) else { continue }
            // A custom executor's tasks share its sandbox: delete it only once nothing live or kept refers to it.
            let inUse = tasks.values.contains { $0.sandbox == evicted }
                || executors.values.contains { $0.sandbox == evicted }
                || completedSandboxes.values.contains(evicted)
            if !inUse { sandboxReader.remove(evicted, logger: logger) }
        }
    }

    /// At start: sandboxes left by an earlier run of the agent beyond ``AgentConfiguration/completedSandboxCapacity``
    /// are deleted, oldest first.
    func collectLeftoverSandboxes() {
        sandboxReader.pruneLeftovers(in: configuration.workDirectory + "/containers",
                                     keeping: max(0, configuration.completedSandboxCapacity), logger: logger)
    }
}
