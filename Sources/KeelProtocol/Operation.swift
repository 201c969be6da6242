import KeelCore

/// One thing a framework does with the resources of the offers it accepts (Mesos' `Offer.Operation`).
///
/// Operations apply in order; each consumes or transforms what the earlier ones left.
public enum Operation: Sendable, Hashable, Codable {
    /// Launch each task independently: an invalid task gets ``TaskState/error`` and the others still launch.
    case launch([TaskInfo])
    /// Launch the group in `executor`, all or nothing.
    case launchGroup(executor: ExecutorInfo, group: TaskGroupInfo)
    /// Dynamically reserve unreserved resources for a role (the resources carry their target reservation).
    case reserve(Resources)
    /// Return dynamically reserved resources to the unreserved pool.
    case unreserve(Resources)

    /// Mesos' operation type name: `LAUNCH`, `LAUNCH_GROUP`, `RESERVE` or `UNRESERVE`.
    public var typeName: String {
        switch self {
        case .launch: "LAUNCH"
        case .launchGroup: "LAUNCH_GROUP"
        case .reserve: "RESERVE"
        case .unreserve: "UNRESERVE"
        }
    }
}
