import Distributed
import KeelActors
import KeelCore

/// An agent, as its master and its executors call it.
///
/// The agent checks that calls from the master carry its current ``AgentID`` and refuses stale ones with
/// ``AgentError``.
@Resolvable
public protocol AgentService: DistributedActor where ActorSystem == KeelActorSystem {
    // MARK: From the master

    /// Health check. Returns the agent's ID; throws ``AgentError/notRegistered(_:)`` when the agent does not
    /// consider itself registered as `agentID` (it will re-register).
    distributed func ping(_ agentID: AgentID) async throws -> AgentID
    /// Launches tasks of one framework, each on its own (their resources are already allocated to them). A task
    /// the agent cannot take (a duplicate ID) is refused alone: the others launch, then the call throws the first
    /// refusal.
    distributed func runTasks(_ request: RunTasksRequest) async throws
    /// Launches a task group in one executor, all or nothing.
    distributed func runTaskGroup(_ request: RunTaskGroupRequest) async throws
    /// Kills a task with its kill policy (or the one given).
    distributed func killTask(_ request: KillRequest) async throws
    /// The framework acknowledged updates (in order); for each, the agent may send its task's next one.
    /// Acknowledgements naming another agent ID are ignored and make the call throw
    /// ``AgentError/notRegistered(_:)`` once the others are applied.
    distributed func acknowledge(_ acknowledgements: [Acknowledgement]) async throws
    /// Relays bytes to an executor, best effort.
    distributed func sendFrameworkMessage(_ message: FrameworkMessage) async throws
    /// The framework's info changed (e.g. after failover).
    distributed func updateFramework(_ framework: FrameworkInfo) async throws
    /// The framework was removed: kill its tasks and executors.
    distributed func shutdownFramework(_ frameworkID: FrameworkID) async throws
    /// Reads a window of a task's `stdout` or `stderr` (live tasks and the agent's recently completed ones).
    /// Throws ``AgentError/unknownTask(_:_:)`` when the agent has no sandbox for the task.
    distributed func readTaskOutput(_ request: TaskOutputRequest) async throws -> TaskOutputChunk
    /// Applies an accepted RESERVE or UNRESERVE to the agent's total resources.
    distributed func applyOperation(_ operation: Operation, frameworkID: FrameworkID) async throws

    // MARK: From executors

    /// A custom executor registers; its tasks follow as ``ExecutorService/launchTask(_:)`` calls.
    distributed func registerExecutor(_ request: RegisterExecutorRequest) async throws -> ExecutorRegistered
    /// An executor reports a task status. Returns once the agent has recorded it; the agent then owns its
    /// delivery (in order per task, retried until acknowledged) and tells the executor through
    /// ``ExecutorService/acknowledged(_:uuid:)``.
    distributed func executorStatusUpdate(_ update: StatusUpdate) async throws
    /// Relays bytes from an executor to its framework, best effort.
    distributed func sendExecutorMessage(_ message: FrameworkMessage) async throws
}
