/// The environment an agent gives a custom executor it launches: how the executor finds and authenticates to its
/// agent, and who it is. The executor SDK reads it; frameworks never set these names themselves (the agent
/// overrides them).
public enum ExecutorEnvironment {
    /// The agent's ``AgentService`` actor, as `ActorID.description` (`path@host:port#incarnation`).
    public static let agentActor = "KEEL_AGENT_ACTOR"
    /// The agent's ID.
    public static let agentID = "KEEL_AGENT_ID"
    /// The executor's framework.
    public static let frameworkID = "KEEL_FRAMEWORK_ID"
    /// The executor's ID.
    public static let executorID = "KEEL_EXECUTOR_ID"
    /// The cluster name the agent's node expects in the handshake.
    public static let clusterName = "KEEL_CLUSTER"
    /// A file (mode 0600, removed when the executor ends) holding the cluster's shared secret; unset when the
    /// cluster has none.
    public static let secretFile = "KEEL_SECRET_FILE"
    /// The address the executor's own node should listen on (the agent's host).
    public static let listenHost = "KEEL_EXECUTOR_HOST"
    /// The executor's sandbox directory (set by the containerizer).
    public static let sandbox = "KEEL_SANDBOX"

    /// Every name the agent sets.
    public static let all = [agentActor, agentID, frameworkID, executorID, clusterName, secretFile, listenHost, sandbox]
}
