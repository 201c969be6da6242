import Distributed
import KeelActors
import KeelCore

/// The master, as frameworks and agents call it. Resolve it with
/// `system.resolve($MasterService.self, named: "master", at: endpoint)`.
///
/// Calls from one caller actor start in send order (the runtime's per-pair FIFO). A call returns once the master
/// has taken the request into its state (and, where noted, into the registrar); outcomes that come later arrive as
/// calls on the caller's ``SchedulerService`` or ``AgentService``. Refusals throw ``MasterError``.
@Resolvable
public protocol MasterService: DistributedActor where ActorSystem == KeelActorSystem {
    // MARK: Frameworks

    /// Subscribes a framework, or re-subscribes it after a scheduler failover (same ``FrameworkInfo/id`` within its
    /// failover timeout: its tasks are kept and the new scheduler actor replaces the old one).
    distributed func subscribe(_ request: SubscribeRequest) async throws -> Subscribed
    /// Removes the framework: its offers are rescinded, its tasks killed, its ID retired.
    distributed func teardown(_ frameworkID: FrameworkID) async throws
    /// Uses offers. Returns once validated; refused tasks get ``TaskState/error`` / ``TaskState/dropped``
    /// updates, launched ones ``TaskState/staging`` and onward. Throws only when the caller is not subscribed.
    distributed func accept(_ request: AcceptRequest) async throws
    /// Returns offers unused, with a refusal filter.
    distributed func decline(_ request: DeclineRequest) async throws
    /// Kills a task; the outcome arrives as a status update.
    distributed func kill(_ request: KillRequest) async throws
    /// Asks for the latest state of tasks; answers arrive as status updates with ``TaskReason/reconciliation``.
    distributed func reconcile(_ request: ReconcileRequest) async throws
    /// Acknowledges one status update; the master forwards it to the task's agent.
    distributed func acknowledge(_ acknowledgement: Acknowledgement) async throws
    /// Clears the framework's refusal filters for `roles` (all its roles when empty) and resumes offers.
    distributed func revive(_ frameworkID: FrameworkID, roles: [Role]) async throws
    /// Stops offers for `roles` (all its roles when empty) until revived.
    distributed func suppress(_ frameworkID: FrameworkID, roles: [Role]) async throws
    /// Sends bytes to an executor, best effort.
    distributed func sendFrameworkMessage(_ message: FrameworkMessage) async throws

    // MARK: Agents

    /// Admits a new agent (recorded in the registrar before returning) and assigns its ID.
    distributed func registerAgent(_ request: RegisterAgentRequest) async throws -> AgentRegistered
    /// Re-admits a known agent and reconciles the tasks it reports.
    distributed func reregisterAgent(_ request: ReregisterAgentRequest) async throws -> AgentRegistered
    /// Removes an agent that is shutting down cleanly; its tasks become ``TaskState/gone``.
    distributed func unregisterAgent(_ agentID: AgentID) async throws
    /// Delivers a status update from an agent. Returns once the master has recorded it and forwarded it to the
    /// framework; the agent keeps retrying until the framework's acknowledgement reaches it.
    distributed func statusUpdate(_ update: StatusUpdate, from agentID: AgentID) async throws
    /// Reports an executor's exit.
    distributed func executorExited(_ notice: ExecutorExited) async throws
    /// Relays bytes from an executor to its framework, best effort.
    distributed func sendExecutorMessage(_ message: FrameworkMessage) async throws
}
