import KeelActors
import KeelCore

/// An agent's first registration; the master assigns its ``AgentID``.
public struct RegisterAgentRequest: Sendable, Hashable, Codable {
    /// The contract version the agent speaks.
    public var version: ProtocolVersion
    /// The agent's description (``AgentInfo/id`` must be `nil`).
    public var agent: AgentInfo
    /// The agent's ``AgentService`` actor.
    public var actor: ActorID

    /// A registration speaking ``ProtocolVersion/current``.
    public init(version: ProtocolVersion = .current, agent: AgentInfo, actor: ActorID) {
        self.version = version
        self.agent = agent
        self.actor = actor
    }
}

/// The master's answer to a (re-)registration: the agent is admitted and active.
public struct AgentRegistered: Sendable, Hashable, Codable {
    /// The agent's identity.
    public var agentID: AgentID
    /// How often the master pings the agent; an agent that hears no ping for several intervals re-registers.
    public var pingInterval: Duration

    /// An answer.
    public init(agentID: AgentID, pingInterval: Duration) {
        self.agentID = agentID
        self.pingInterval = pingInterval
    }
}
