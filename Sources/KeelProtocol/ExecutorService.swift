import Distributed
import KeelActors
import KeelCore

/// A custom executor, as its agent calls it (Mesos' executor events).
@Resolvable
public protocol ExecutorService: DistributedActor where ActorSystem == KeelActorSystem {
    /// Runs a task; report its states through ``AgentService/executorStatusUpdate(_:)``.
    distributed func launchTask(_ task: TaskInfo) async throws
    /// Runs a task group (all its tasks).
    distributed func launchTaskGroup(_ group: TaskGroupInfo) async throws
    /// Kills a task, honouring the kill policy (or the task's own when `nil`).
    distributed func killTask(_ taskID: TaskID, killPolicy: KillPolicy?) async throws
    /// The framework acknowledged the update `uuid` of `taskID`.
    distributed func acknowledged(_ taskID: TaskID, uuid: StatusUpdateID) async throws
    /// Bytes from the framework, best effort.
    distributed func frameworkMessage(_ data: [UInt8]) async throws
    /// Kill every task and exit; the agent kills the executor's process group after the grace period.
    distributed func shutdown() async throws
}
