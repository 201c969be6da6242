import KeelActors
import KeelContainer
import KeelCore
import KeelProtocol

/// An executor's identity on an agent: executor IDs are unique only within their framework.
struct ExecutorKey: Sendable, Hashable, Comparable, CustomStringConvertible {
    var frameworkID: FrameworkID
    var executorID: ExecutorID

    var description: String { "\(frameworkID)/\(executorID)" }

    static func < (lhs: ExecutorKey, rhs: ExecutorKey) -> Bool {
        (lhs.frameworkID.value, lhs.executorID.value) < (rhs.frameworkID.value, rhs.executorID.value)
    }
}

/// A framework-supplied executor the agent launched (Mesos' `Executor` on the agent): its container, its
/// registration, the tasks it runs and the launches waiting for it to register.
struct CustomExecutor: Sendable {
    /// Where the executor stands.
    enum Phase: Sendable, Equatable {
        /// Its container is being started (its process may already run and register).
        case launching
        /// Running, waiting for ``AgentService/registerExecutor(_:)``.
        case registering
        /// Registered: launches go straight to it.
        case registered
        /// Told to shut down (framework removed, or every task ended and the agent asked it to go).
        case terminating
    }

    /// What the framework asked for.
    var info: ExecutorInfo
    var phase: Phase = .launching
    /// Its container once started.
    var containerID: ContainerID?
    /// Its sandbox once started (its tasks' output lives there too).
    var sandbox: String?
    /// The executor's actor once registered.
    var actor: ActorID?
    /// One launch handed to the executor: a task, or a task group launched together.
    enum Launch: Sendable, Equatable {
        case task(TaskKey)
        case group([TaskKey])

        var keys: [TaskKey] {
            switch self {
            case .task(let key): [key]
            case .group(let keys): keys
            }
        }
    }

    /// Launches waiting for the registration, in arrival order.
    var pending: [Launch] = []
    /// The executor's tasks (live or waiting for their final acknowledgement).
    var tasks: Set<TaskKey> = []
    /// The end of the chain of calls to the executor, so they reach it in order.
    var lastCall: Task<Void, Never>?
    /// The file holding the cluster secret for the executor, removed when it ends.
    var secretFile: String?
    /// What its container was last given (at launch or by an update): the executor's resources plus those of its
    /// tasks that have not ended.
    var containerResources: ContainerResources?
}
