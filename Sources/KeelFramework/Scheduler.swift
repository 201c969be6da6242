import KeelCore
import KeelProtocol

/// A framework's scheduling logic: what to do with offers and task updates.
///
/// Framework authors implement it (usually as an actor) and hand it to a ``SchedulerDriver``, which
/// owns everything about talking to the master: subscription, re-subscription after the master
/// restarts, acknowledgements and the async calls (accept, decline, kill, …). Callbacks for one
/// driver arrive one at a time, in the order the master sent them. Every callback has a default
/// that does nothing, except ``resourceOffers(_:offers:)``, whose default declines what it is given.
public protocol Scheduler: Sendable {
    /// The master accepted the subscription and assigned (or confirmed) `frameworkID`.
    func registered(_ driver: SchedulerDriver, frameworkID: FrameworkID) async
    /// Offers to use (``SchedulerDriver/launch(_:on:filters:)``, ``SchedulerDriver/accept(_:operations:filters:)``)
    /// or decline.
    func resourceOffers(_ driver: SchedulerDriver, offers: [Offer]) async
    /// An offer is no longer valid (its agent went away, it timed out, …).
    func offerRescinded(_ driver: SchedulerDriver, offerID: OfferID) async
    /// A task changed state. The driver acknowledges it to the master after this returns.
    func statusUpdate(_ driver: SchedulerDriver, status: TaskStatus) async
    /// An executor (or an agent) failed.
    func failure(_ driver: SchedulerDriver, agentID: AgentID, executorID: ExecutorID?, status: ProcessExit?) async
    /// A message from an executor.
    func frameworkMessage(_ driver: SchedulerDriver, message: FrameworkMessage) async
    /// The master reported an error about this framework (e.g. it was removed).
    func error(_ driver: SchedulerDriver, message: String) async
}

extension Scheduler {
    public func registered(_ driver: SchedulerDriver, frameworkID: FrameworkID) async {}
    public func resourceOffers(_ driver: SchedulerDriver, offers: [Offer]) async {
        try? await driver.decline(offers.map(\.id))
    }
    public func offerRescinded(_ driver: SchedulerDriver, offerID: OfferID) async {}
    public func statusUpdate(_ driver: SchedulerDriver, status: TaskStatus) async {}
    public func failure(_ driver: SchedulerDriver, agentID: AgentID, executorID: ExecutorID?, status: ProcessExit?) async {}
    public func frameworkMessage(_ driver: SchedulerDriver, message: FrameworkMessage) async {}
    public func error(_ driver: SchedulerDriver, message: String) async {}
}
