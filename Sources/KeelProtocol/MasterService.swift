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
    /// Acknowledges status updates, in order; the master forwards each to its task's agent. All must come from one
    /// framework, which must be subscribed (else nothing is applied). An acknowledgement naming an agent the master
    /// does not know is dropped: the others are still applied, then the call throws
    /// ``MasterError/agentNotRegistered(_:)`` naming it.
    distributed func acknowledge(_ acknowledgements: [Acknowledgement]) async throws
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
    /// Delivers status updates from an agent, in order (several tasks' updates travel together when the agent has
    /// more than one to send). Returns once the master has recorded them and queued them for their frameworks; the
    /// agent keeps retrying each until the framework's acknowledgement reaches it. Throws (applying nothing) when
    /// the agent is not registered and active; an update that names a task of another agent is dropped with a
    /// logged reason, and the others are applied.
    distributed func statusUpdates(_ updates: [StatusUpdate], from agentID: AgentID) async throws
    /// Reports an executor's exit.
    distributed func executorExited(_ notice: ExecutorExited) async throws
    /// Relays bytes from an executor to its framework, best effort.
    distributed func sendExecutorMessage(_ message: FrameworkMessage) async throws
}
