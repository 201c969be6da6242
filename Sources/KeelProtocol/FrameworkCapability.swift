/// An optional behaviour a framework opts into at subscription (Mesos' `FrameworkInfo.Capability`).
public enum FrameworkCapability: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// The framework understands ``TaskState/unreachable``, ``TaskState/dropped``, ``TaskState/gone``,
    /// ``TaskState/goneByOperator`` and ``TaskState/unknown``; without it, it is told ``TaskState/lost`` instead and
    /// its tasks on a re-admitted agent are killed (they were already reported lost).
    case partitionAware = "PARTITION_AWARE"
    /// The framework may be offered agents that have GPUs.
    case gpuResources = "GPU_RESOURCES"
    /// The framework is sent ``TaskState/killing`` while a task is being killed.
    case taskKillingState = "TASK_KILLING_STATE"

    /// The Mesos name, e.g. `PARTITION_AWARE`.
    public var description: String { rawValue }
}
