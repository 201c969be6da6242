import KeelContainer
import KeelCore
import KeelProtocol

/// The container of a custom executor holds the executor and its live tasks (0003, "Executors"; Mesos' executor
/// container): it is launched with the executor's resources plus its first tasks', grows through
/// ``Containerizer/update(_:resources:)`` before a later launch reaches the executor, and shrinks when a task ends.
/// Updates run in the executor's call chain, so they keep their order with the calls.
extension AgentActor {
    /// What the executor's container should be given: the executor's own resources plus those of its tasks that
    /// have not ended (Mesos' executor container: executor and tasks share it). A resource that neither declares
    /// keeps what the container last had, so a container that was limited never becomes unlimited again (e.g. an
    /// executor without `mem` whose last task with `mem` ended).
    func executorContainerResources(_ key: ExecutorKey) -> ContainerResources? {
        guard let executor = executors[key] else { return nil }
        var total = executor.info.resources
        for task in executor.tasks {
            guard let task = tasks[task], !task.state.isTerminal else { continue }
            total += task.info.resources
        }
        var wanted = Self.containerResources(total)
        if let last = executor.containerResources {
            wanted.cpus = wanted.cpus ?? last.cpus
            wanted.memoryBytes = wanted.memoryBytes ?? last.memoryBytes
        }
        return wanted
    }

    /// Queues an update of the executor's container to what its live tasks need (after a task ended, or joined
    /// while the container was starting); a failure is logged and changes nothing.
    func resizeExecutorContainer(_ key: ExecutorKey) {
        chainExecutorWork(key) { _ = await self.fitExecutorContainer(key, launching: []) }
    }

    /// Brings the executor's container to ``executorContainerResources(_:)`` unless it has that already. Returns
    /// whether it fits; when the update fails, the tasks being `launching` fail with `REASON_CONTAINER_UPDATE_FAILED`.
    /// While the container is still starting there is nothing to update: the resize queued once it started does it.
    func fitExecutorContainer(_ key: ExecutorKey, launching: [TaskKey]) async -> Bool {
        guard let executor = executors[key], let container = executor.containerID,
              let wanted = executorContainerResources(key) else { return true }
        if executor.containerResources == wanted { return true }
        do {
            try await containerizer.update(container, resources: wanted)
            if executors[key]?.containerID == container { executors[key]?.containerResources = wanted }
            logger.debug("executor container updated", ["executor": key, "resources": String(describing: wanted)])
            return true
        } catch {
            // Gone meanwhile (its exit fails its tasks, with the reason that belongs to the exit).
            if executors[key]?.containerID != container || error == .unknownContainer(container.value) { return false }
            logger.warning("cannot update the executor's container", ["executor": key, "error": error.description])
            for task in launching where tasks[task]?.state.isTerminal == false {
                enqueue(task, .failed, reason: .containerUpdateFailed,
                        message: "the container of executor \(key.executorID) could not be given the task's resources: \(error)")
            }
            return false
        }
    }
}
