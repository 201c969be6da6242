import KeelCore

/// Something that changed in the master's view of the cluster, for monitoring and tests
/// (``MasterActor/events()``). Task and offer traffic is not included; it goes to frameworks.
public enum MasterEvent: Sendable, Hashable {
    /// An agent was admitted (registered, or re-registered).
    case agentAdmitted(AgentID)
    /// An agent became unreachable (missed pings or its actor terminated).
    case agentUnreachable(AgentID)
    /// An agent unregistered and is gone.
    case agentGone(AgentID)
    /// A framework subscribed or re-subscribed.
    case frameworkSubscribed(FrameworkID)
    /// A framework's scheduler went away; its failover timer runs.
    case frameworkDisconnected(FrameworkID)
    /// A framework was torn down or its failover timeout expired.
    case frameworkRemoved(FrameworkID)
}

extension MasterActor {
    /// A stream of ``MasterEvent``s from now on; it ends when the caller stops iterating or the master deinitialises.
    public func events() -> AsyncStream<MasterEvent> {
        let (stream, continuation) = AsyncStream<MasterEvent>.makeStream()
        observers.append(continuation)
        return stream
    }

    /// Tells every observer.
    func publish(_ event: MasterEvent) {
        for observer in observers { observer.yield(event) }
    }
}
