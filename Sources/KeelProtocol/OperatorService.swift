import Distributed
import KeelActors
import KeelCore

/// The master as operators and tools see it (Mesos' operator API): what the cluster holds, the allocation
/// settings that survive a restart, and task output. The master actor implements it under its well-known name;
/// resolve it with `system.resolve($OperatorService.self, named: "master", at: endpoint)`.
///
/// Every peer that completes the handshake (and so holds the cluster's shared secret, when one is set) may call it.
/// Listings are consistent snapshots of the master's state at the time of the call. Refusals throw ``MasterError``.
@Resolvable
public protocol OperatorService: DistributedActor where ActorSystem == KeelActorSystem {
    /// Every agent the master knows (active, unreachable and gone), sorted by ID.
    distributed func agents() async throws -> [AgentSummary]
    /// Every subscribed or failing-over framework, sorted by ID.
    distributed func frameworks() async throws -> [FrameworkSummary]
    /// Live tasks and the most recent completed ones (``MasterService``'s bounded history), of one framework or of
    /// all when `frameworkID` is `nil`; sorted by framework, then task ID.
    distributed func tasks(frameworkID: FrameworkID?) async throws -> [TaskSummary]
    /// The weight of every role with a non-default weight, sorted by role.
    distributed func weights() async throws -> [RoleWeight]
    /// Sets role weights (recorded in the registrar before returning; survives a master restart). A weight of 1
    /// restores the default. Throws ``MasterError/invalidRequest(_:)`` for a weight that is not positive and finite.
    distributed func updateWeights(_ weights: [RoleWeight]) async throws
    /// Every role's quota, sorted by role.
    distributed func quotas() async throws -> [RoleQuota]
    /// Sets (or with an empty guarantee and no limit, removes) a role's quota, durably. Throws
    /// ``MasterError/invalidRequest(_:)`` when the guarantee exceeds the limit or names a non-scalar resource.
    distributed func updateQuota(_ quota: RoleQuota) async throws
    /// Reads a window of a task's `stdout` or `stderr` from its agent (live or recently completed tasks).
    /// Throws ``MasterError/unknownTask(_:_:)`` when the master knows no such task and
    /// ``MasterError/agentUnavailable(_:reason:)`` when its agent cannot be asked.
    distributed func readTaskOutput(_ request: TaskOutputRequest) async throws -> TaskOutputChunk
    /// Marks an agent gone for good (Mesos' `MARK_AGENT_GONE`): durable; its tasks become ``TaskState/goneByOperator``
    /// and a later re-registration is refused.
    distributed func markAgentGone(_ agentID: AgentID) async throws
}
