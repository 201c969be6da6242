#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import KeelAllocator
import KeelCore
import KeelProtocol
import KeelStorage

/// Where the master reads time from. Production uses ``MonotonicClock``; tests inject a ``ManualClock`` and call
/// ``MasterActor/tick()`` after advancing it. The same clock drives the allocator's refuse filters.
public typealias MasterClock = AllocatorClock

/// The master's settings (Mesos' master flags). Every field has a documented default.
public struct MasterConfiguration: Sendable {
    /// How often a full allocation cycle runs (Mesos' `--allocation_interval`). Default 1 s. Events (agents added,
    /// resources recovered, frameworks added or revived) also trigger a cycle over the touched agents at once.
    public var allocationInterval: Duration = .seconds(1)
    /// An offer not answered within this time is rescinded (Mesos' `--offer_timeout`). Default `nil`: off.
    public var offerTimeout: Duration?
    /// How often the master pings each active agent. Default 15 s (Mesos' `--agent_ping_timeout` interval).
    public var agentPingInterval: Duration = .seconds(15)
    /// An agent that has not answered a ping or called the master for this long becomes unreachable. Default 75 s
    /// (Mesos: 5 missed pings of 15 s).
    public var agentPingTimeout: Duration = .seconds(75)
    /// The failover timeout of frameworks whose ``FrameworkInfo/failoverTimeout`` is left at its default
    /// (``FrameworkInfo/defaultFailoverTimeout``, one week). A framework's explicit value always wins.
    public var defaultFailoverTimeout: Duration = FrameworkInfo.defaultFailoverTimeout
    /// The interval the master asks frameworks to expect heartbeats at. Default 15 s.
    public var heartbeatInterval: Duration = .seconds(15)
    /// The smallest offers worth making (Mesos' `--min_allocatable_resources`). Default `cpus:0.01` or `mem:32`.
    public var minimumAllocatable: [ResourceQuantities] = AllocatorConfiguration().minimumAllocatable
    /// The allocation policy. Default hierarchical weighted DRF.
    public var allocationPolicy: AllocationPolicy = .hierarchicalDRF
    /// Visit agents in a seeded random order each cycle. Default `true`; tests may turn it off for determinism.
    public var shuffleAgents: Bool = true
    /// Seed for agent shuffling and the weighted random policy. Default `0x4B45454C`.
    public var seed: UInt64 = 0x4B45_454C
    /// The monotonic clock for timers and filters. Default ``MonotonicClock``.
    public var clock: any MasterClock = MonotonicClock()
    /// Seconds since the Unix epoch, for ``TaskStatus/timestamp`` of updates the master produces. Default: the
    /// system's real-time clock.
    public var wallClock: @Sendable () -> Double = MasterConfiguration.realTime
    /// How often the production timer calls ``MasterActor/tick()`` once ``MasterActor/startTimers()`` ran.
    /// Default 100 ms.
    public var tickInterval: Duration = .milliseconds(100)

    /// Where the registrar keeps what survives a master restart: admitted, unreachable and gone agents (proposal
    /// 0003). Default: a fresh ``MemoryStateStore`` (nothing survives the process); production passes a
    /// `FileStateStore`. The master owns the store while it runs; close it after the master is gone.
    public var stateStore: any StateStore = MemoryStateStore()
    /// After a restart, how long agents the registrar remembers as admitted have to re-register (Mesos'
    /// `--agent_reregister_timeout`). Those that do not are marked unreachable (their tasks are then reported
    /// UNREACHABLE, or LOST to frameworks that are not partition-aware, on reconciliation). Default 10 minutes.
    public var agentReregistrationTimeout: Duration = .seconds(600)
    /// The registrar writes a snapshot of its registry (``StateStore/compact(snapshot:)``) once this many records,
    /// and at least as many as the registry had entries (agents, weights, quotas) at the last one, were appended since.
    /// Default 1,000.
    public var registrarCompactionThreshold: Int = 1_000
    /// How long an agent may stay unreachable before the master marks it gone for good (durably; its tasks are
    /// then reported GONE to partition-aware frameworks and it must register anew). Mesos'
    /// `--registry_max_agent_age`. `nil` keeps unreachable agents forever. Default 14 days.
    public var unreachableAgentMaxAge: Duration? = .seconds(14 * 24 * 3600)
    /// How many completed tasks the master keeps for operators (``OperatorService/tasks(frameworkID:)``) and
    /// output reads after they are acknowledged. Default 10,000.
    public var completedTaskCapacity: Int = 10_000

    /// The default configuration.
    public init() {}

    /// `CLOCK_REALTIME` in seconds.
    public static let realTime: @Sendable () -> Double = {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    /// The allocator this configuration asks for.
    func makeAllocator() -> any Allocator {
        let configuration = AllocatorConfiguration(minimumAllocatable: minimumAllocatable, shuffleAgents: shuffleAgents,
                                                   seed: seed, clock: clock)
        switch allocationPolicy {
        case .hierarchicalDRF: return HierarchicalDRFAllocator(configuration: configuration)
        case .strictPriority: return StrictPriorityAllocator(configuration: configuration)
        case .weightedRandom: return WeightedRandomAllocator(configuration: configuration)
        }
    }
}
