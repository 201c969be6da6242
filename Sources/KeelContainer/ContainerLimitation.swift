/// A resource limit that ended a container (Mesos' `REASON_CONTAINER_LIMITATION_*`).
public enum ContainerLimitation: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The kernel's OOM killer struck inside the container's memory cgroup; `limitBytes` is the limit it enforced.
    case memory(limitBytes: UInt64)

    /// `memory limit of 64 MiB (67108864 bytes) exceeded`.
    public var description: String {
        switch self {
        case .memory(let limit):
            "memory limit of \(limit / (1 << 20)) MiB (\(limit) bytes) exceeded"
        }
    }
}
