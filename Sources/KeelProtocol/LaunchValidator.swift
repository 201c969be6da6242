import KeelCore

/// The master's checks of an accept, as pure functions (Mesos' master validation of offers, tasks, task groups
/// and reservations).
public enum LaunchValidator {
    /// Checks that `offerIDs` name distinct offers outstanding for `frameworkID`, from one agent and one role, and
    /// pools them.
    ///
    /// - Parameter outstanding: the master's valid offers by ID.
    public static func pool(_ offerIDs: [OfferID], frameworkID: FrameworkID,
                            outstanding: [OfferID: Offer]) -> Result<PooledOffers, OfferProblem> {
        guard !offerIDs.isEmpty else { return .failure(.noOffers) }
        var seen = Set<OfferID>()
        var offers: [Offer] = []
        var resources = Resources()
        for id in offerIDs {
            guard seen.insert(id).inserted else { return .failure(.duplicateOffer(id)) }
            guard let offer = outstanding[id] else { return .failure(.unknownOffer(id)) }
            guard offer.frameworkID == frameworkID else { return .failure(.notOwned(id)) }
            if let first = offers.first {
                if offer.agentID != first.agentID { return .failure(.differentAgents(id, first.agentID, offer.agentID)) }
                if offer.allocationRole != first.allocationRole {
                    return .failure(.differentRoles(id, first.allocationRole, offer.allocationRole))
                }
            }
            offers.append(offer)
            resources += offer.resources
        }
        let first = offers[0]
        return .success(PooledOffers(offers: offers, agentID: first.agentID, role: first.allocationRole,
                                     resources: resources))
    }

    /// The errors for every task of `operations` when the offers themselves are unusable: each task is dropped
    /// with ``TaskReason/invalidOffers``.
    public static func dropAll(_ operations: [Operation], because problem: OfferProblem) -> [TaskError] {
        var errors: [TaskError] = []
        for operation in operations {
            let tasks: [TaskInfo] = switch operation {
            case .launch(let tasks): tasks
            case .launchGroup(_, let group): group.tasks
            case .reserve, .unreserve: []
            }
            for task in tasks {
                errors.append(TaskError(taskID: task.taskID, reason: .invalidOffers, problem: .invalidOffers(problem)))
            }
        }
        return errors
    }

    /// Judges `operations` against the pooled `offered` resources, in order. Invalid tasks of a LAUNCH are refused
    /// alone; any invalid task of a LAUNCH_GROUP refuses the whole group; invalid reservations are skipped.
    public static func validate(_ operations: [Operation], offered: Resources, context: LaunchContext) -> AcceptOutcome {
        var state = Accounting(available: offered, context: context)
        var outcome = AcceptOutcome()
        for operation in operations {
            switch operation {
            case .launch(let tasks):
                var launched: [TaskInfo] = []
                for task in tasks {
                    if let problem = state.admit(task, executor: task.executor, inGroup: false) {
                        outcome.taskErrors.append(TaskError(taskID: task.taskID, reason: .taskInvalid, problem: problem))
                    } else {
                        launched.append(task)
                    }
                }
                if !launched.isEmpty { outcome.accepted.append(.launch(launched)) }
            case .launchGroup(let executor, let group):
                if group.tasks.isEmpty {
                    outcome.operationErrors.append(OperationError(operation: operation.typeName, problem: .empty))
                } else if let errors = state.admitGroup(group, executor: executor) {
                    outcome.taskErrors += errors
                } else {
                    outcome.accepted.append(operation)
                }
            case .reserve(let resources), .unreserve(let resources):
                let reserving: Bool = if case .reserve = operation { true } else { false }
                if let problem = state.transform(resources, reserve: reserving) {
                    outcome.operationErrors.append(OperationError(operation: operation.typeName, problem: problem))
                } else {
                    outcome.accepted.append(operation)
                }
            }
        }
        outcome.used = state.used
        outcome.remaining = state.available
        return outcome
    }

    /// The checks of one task that need no resource accounting, in the order the master applies them.
    public static func staticProblem(of task: TaskInfo, context: LaunchContext) -> TaskError.Problem? {
        if let problem = IdentifierRules.check(task.taskID.value) { return .invalidTaskID(problem) }
        if context.liveTaskIDs.contains(task.taskID) { return .taskIDInUse }
        if task.agentID != context.agentID { return .agentMismatch(task: task.agentID, offer: context.agentID) }
        if task.resources.isEmpty { return .noResources }
        if let policy = task.killPolicy, policy.gracePeriod < .zero { return .negativeGracePeriod }
        if let why = task.command?.problem { return .invalidCommand(why) }
        if let isolation = task.isolation {
            if task.executor != nil {
                return .invalidIsolation("a task with a custom executor runs in the executor's container: isolation options apply to command tasks only")
            }
            if let why = isolation.problem { return .invalidIsolation(why) }
        }
        return nil
    }

    /// The checks of an executor a task would run in.
    static func executorProblem(_ executor: ExecutorInfo, known: [ExecutorID: ExecutorInfo]) -> TaskError.Problem? {
        if let problem = IdentifierRules.check(executor.executorID.value) { return .invalidExecutorID(problem) }
        if let existing = known[executor.executorID] {
            return existing == executor ? nil : .executorMismatch(executor.executorID)
        }
        if executor.resources.isEmpty { return .executorWithoutResources(executor.executorID) }
        if case .custom(let command) = executor.kind, let why = command.problem {
            return .invalidExecutorCommand(executor.executorID, why)
        }
        return nil
    }
}

/// The running totals of one accept.
struct Accounting {
    var available: Resources
    var used = Resources()
    let context: LaunchContext
    var executors: [ExecutorID: ExecutorInfo]
    var taskIDs = Set<TaskID>()

    init(available: Resources, context: LaunchContext) {
        self.available = available
        self.context = context
        self.executors = context.runningExecutors
    }

    /// What launching `executor` anew costs: nothing when it already runs or was launched earlier in the accept.
    func executorCost(_ executor: ExecutorInfo?) -> Resources {
        guard let executor, executors[executor.executorID] == nil else { return Resources() }
        return executor.resources
    }

    /// Checks one task of a LAUNCH and, when valid, charges it.
    mutating func admit(_ task: TaskInfo, executor: ExecutorInfo?, inGroup: Bool) -> TaskError.Problem? {
        if let problem = IdentifierRules.check(task.taskID.value) { return .invalidTaskID(problem) }
        // Every ID named in the accept counts, launched or refused, so IDs are unique within an accept.
        guard taskIDs.insert(task.taskID).inserted else { return .duplicateTaskID }
        if let problem = LaunchValidator.staticProblem(of: task, context: context) { return problem }
        switch (task.command, task.executor) {
        case (.some, .some): return .commandAndExecutor
        case (nil, nil): return .noCommandOrExecutor
        default: break
        }
        if let executor, let problem = LaunchValidator.executorProblem(executor, known: executors) { return problem }
        let needed = task.resources + executorCost(executor)
        guard available.contains(needed) else { return .insufficientResources(needed: needed, available: available) }
        charge(needed, executor: executor)
        return nil
    }

    /// Checks a whole group; charges it and returns `nil` when valid, otherwise one error per task.
    mutating func admitGroup(_ group: TaskGroupInfo, executor: ExecutorInfo) -> [TaskError]? {
        func refuse(_ culprit: TaskID?, _ problem: TaskError.Problem) -> [TaskError] {
            group.tasks.map { task in
                let own = culprit == nil || culprit == task.taskID
                return TaskError(taskID: task.taskID, reason: .taskGroupInvalid,
                                 problem: own ? problem : .groupMemberInvalid(culprit: culprit ?? task.taskID, problem: problem))
            }
        }
        var duplicate: TaskID?
        for task in group.tasks {
            let fresh = taskIDs.insert(task.taskID).inserted
            if !fresh && duplicate == nil { duplicate = task.taskID }
        }
        if let problem = LaunchValidator.executorProblem(executor, known: executors) { return refuse(nil, problem) }
        var needed = executorCost(executor)
        for task in group.tasks {
            if let problem = LaunchValidator.staticProblem(of: task, context: context) { return refuse(task.taskID, problem) }
            if task.taskID == duplicate { return refuse(task.taskID, .duplicateTaskID) }
            if task.executor != nil { return refuse(task.taskID, .groupTaskHasExecutor) }
            if executor.kind == .default && task.command == nil { return refuse(task.taskID, .groupTaskWithoutCommand) }
            if executor.kind != .default && task.isolation != nil {
                return refuse(task.taskID, .invalidIsolation(
                    "the group's custom executor runs its tasks in its own container: isolation options apply to command tasks only"))
            }
            needed += task.resources
        }
        guard available.contains(needed) else {
            return refuse(nil, .insufficientResources(needed: needed, available: available))
        }
        charge(needed, executor: executor)
        return nil
    }

    mutating func charge(_ resources: Resources, executor: ExecutorInfo?) {
        available -= resources
        used += resources
        if let executor { executors[executor.executorID] = executor }
    }

    /// Applies a RESERVE (`reserve`) or UNRESERVE to the pool, or says why it cannot.
    mutating func transform(_ resources: Resources, reserve: Bool) -> OperationError.Problem? {
        if resources.isEmpty { return .empty }
        var unreserved = Resources()
        for resource in resources {
            guard let reservation = resource.reservation, reservation.kind == .dynamic else {
                return .notDynamicallyReserved(Resources([resource]).description)
            }
            if reservation.role != context.role { return .wrongRole(reserved: reservation.role, allocation: context.role) }
            if reserve && reservation.principal != context.principal {
                return .wrongPrincipal(reserved: reservation.principal, framework: context.principal)
            }
            unreserved.add(Resource(name: resource.name, value: resource.value))
        }
        let (from, to) = reserve ? (unreserved, resources) : (resources, unreserved)
        guard available.contains(from) else { return .insufficientResources(needed: from, available: available) }
        available = available - from + to
        return nil
    }
}
