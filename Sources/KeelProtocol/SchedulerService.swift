import Distributed
import KeelActors
import KeelCore

/// The framework side, implemented by framework authors' actors and called by the master (Mesos' scheduler
/// events). The actor's ID goes to the master in ``SubscribeRequest/scheduler``.
///
/// Calls arrive in the master's send order. A method that throws or does not answer within the call timeout does
/// not lose anything: offers are rescinded or time out, and status updates are retried by the agent until
/// acknowledged through ``MasterService/acknowledge(_:)``.
@Resolvable
public protocol SchedulerService: DistributedActor where ActorSystem == KeelActorSystem {
    /// New offers.
    distributed func offers(_ offers: [Offer]) async throws
    /// An offer is no longer valid (its agent went away, it timed out, or the master needs it back).
    distributed func rescind(_ offerID: OfferID) async throws
    /// Task statuses, oldest first (the master sends those queued while its previous call was in flight
    /// together). Acknowledge each that has a ``TaskStatus/uuid`` once it is safely handled.
    distributed func updates(_ statuses: [TaskStatus]) async throws
    /// Bytes from an executor, best effort.
    distributed func message(_ message: FrameworkMessage) async throws
    /// An agent was removed, or an executor exited (`executorID` and `status` set).
    distributed func failure(agentID: AgentID, executorID: ExecutorID?, status: ProcessExit?) async throws
    /// The framework was removed or refused; no further calls follow.
    distributed func error(_ message: String) async throws
    /// The master is alive and still considers the framework subscribed.
    distributed func heartbeat() async throws
}
