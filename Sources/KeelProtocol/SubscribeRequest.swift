import KeelActors
import KeelCore

/// A framework's subscription (first time, or a failover re-subscription with ``FrameworkInfo/id`` set).
public struct SubscribeRequest: Sendable, Hashable, Codable {
    /// The contract version the framework speaks.
    public var version: ProtocolVersion
    /// The framework's description.
    public var framework: FrameworkInfo
    /// The framework's ``SchedulerService`` actor, which the master calls with offers and updates. A re-subscription
    /// from a new actor replaces the old one (failover).
    public var scheduler: ActorID

    /// A subscription speaking ``ProtocolVersion/current``.
    public init(version: ProtocolVersion = .current, framework: FrameworkInfo, scheduler: ActorID) {
        self.version = version
        self.framework = framework
        self.scheduler = scheduler
    }
}

/// The master's answer to a successful subscription.
public struct Subscribed: Sendable, Hashable, Codable {
    /// The framework's identity: the requested one on failover, a fresh one otherwise.
    public var frameworkID: FrameworkID
    /// How often the master calls ``SchedulerService/heartbeat()``; a framework that hears nothing for several
    /// intervals should re-subscribe.
    public var heartbeatInterval: Duration

    /// An answer.
    public init(frameworkID: FrameworkID, heartbeatInterval: Duration) {
        self.frameworkID = frameworkID
        self.heartbeatInterval = heartbeatInterval
    }
}
