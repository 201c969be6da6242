import KeelActors
import KeelCore
import KeelIsolation
import KeelProtocol

/// Settings of an ``AgentActor`` (Mesos' agent flags). Every field but the master endpoint and the work directory
/// has a documented default.
public struct AgentConfiguration: Sendable {
    /// Where the master's node listens; the agent resolves the well-known actor ``masterName`` there.
    public var master: Endpoint
    /// The master's well-known actor name. Default: `master` (0003, "Actors").
    public var masterName: String
    /// The agent's work directory; task sandboxes live under `<workDirectory>/containers/`.
    public var workDirectory: String
    /// The host name advertised in ``AgentInfo``. Default: `nil`, the machine's host name.
    public var hostname: String?
    /// Configured resources; they replace detected resources of the same name (``HostResources/advertised``).
    /// Default: none.
    public var resources: Resources
    /// Operator-defined attributes advertised to frameworks. Default: none.
    public var attributes: Attributes
    /// Whether to detect the host's CPUs, memory, disk, ports and GPUs. When `false`, only ``resources`` are
    /// advertised. Default: `true`.
    public var detectResources: Bool
    /// First wait after a failed (re-)registration; doubled per failure up to ``registrationBackoffMax``.
    /// Default: 1 s (Mesos' `registration_backoff_factor`).
    public var registrationBackoffInitial: Duration
    /// Longest wait between registration attempts. Default: 1 min.
    public var registrationBackoffMax: Duration
    /// First wait before re-sending an unacknowledged status update; doubled per retry up to
    /// ``statusUpdateRetryMax``. Default: 10 s (Mesos).
    public var statusUpdateRetryInitial: Duration
    /// Longest wait between re-sends of one status update. Default: 10 min (Mesos).
    public var statusUpdateRetryMax: Duration
    /// Grace period between SIGTERM and SIGKILL for tasks without a ``KillPolicy``. Default:
    /// ``KillPolicy/defaultGracePeriod`` (3 s).
    public var killGracePeriod: Duration
    /// How long a launched custom executor has to register before the agent destroys it and fails its tasks
    /// with `REASON_EXECUTOR_REGISTRATION_TIMEOUT` (Mesos' `--executor_registration_timeout`). Default 1 min.
    public var executorRegistrationTimeout: Duration = .seconds(60)
    /// How many completed tasks' sandboxes the agent keeps on disk, readable through
    /// ``KeelProtocol/AgentService/readTaskOutput(_:)``; older ones are deleted (Mesos' sandbox GC, by count rather
    /// than by age). Leftovers of an earlier run of the agent count too: at start the newest are kept. Default 1,000.
    public var completedSandboxCapacity: Int = 1_000
    /// How long an executor told to shut down may take before its container is killed (Mesos'
    /// `--executor_shutdown_grace_period`). Default 5 s.
    public var executorShutdownGracePeriod: Duration = .seconds(5)
    /// Which containerizer runs tasks when none is passed to the agent. Default: ``IsolationMode/auto`` (Linux
    /// isolation when root with cgroups, else POSIX with one warning). The agent advertises the one in force as the
    /// attribute `keel.isolation`.
    public var isolation: IsolationMode

    /// A configuration with the documented defaults.
    public init(
        master: Endpoint,
        masterName: String = "master",
        workDirectory: String,
        hostname: String? = nil,
        resources: Resources = Resources(),
        attributes: Attributes = Attributes(),
        detectResources: Bool = true,
        registrationBackoffInitial: Duration = .seconds(1),
        registrationBackoffMax: Duration = .seconds(60),
        statusUpdateRetryInitial: Duration = .seconds(10),
        statusUpdateRetryMax: Duration = .seconds(600),
        killGracePeriod: Duration = KillPolicy.defaultGracePeriod,
        isolation: IsolationMode = .auto
    ) {
        self.isolation = isolation
        self.master = master
        self.masterName = masterName
        self.workDirectory = workDirectory
        self.hostname = hostname
        self.resources = resources
        self.attributes = attributes
        self.detectResources = detectResources
        self.registrationBackoffInitial = registrationBackoffInitial
        self.registrationBackoffMax = registrationBackoffMax
        self.statusUpdateRetryInitial = statusUpdateRetryInitial
        self.statusUpdateRetryMax = statusUpdateRetryMax
        self.killGracePeriod = killGracePeriod
    }

    /// Parses resources and attributes in KeelCore's text format (`cpus:2;mem:1024`, `rack:r1;zone:a`) into
    /// ``resources`` and ``attributes``.
    ///
    /// - Throws: `ResourceParseError` naming the offending token and position.
    public mutating func configure(resources resourceText: String, attributes attributeText: String = "")
        throws(ResourceParseError) {
        resources = resourceText.isEmpty ? Resources() : try Resources.parse(resourceText)
        attributes = attributeText.isEmpty ? Attributes() : try Attributes.parse(attributeText)
    }
}
