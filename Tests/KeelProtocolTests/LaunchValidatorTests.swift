import KeelCore
import Testing
@testable import KeelProtocol

/// Every rule of accept validation, with its precise error.
@Suite struct LaunchValidatorTests {
    let offered: Resources

    init() throws { offered = try Fixture.resources("cpus:4;mem:1024;ports:[31000-31010]") }

    func validate(_ operations: [Operation], context: LaunchContext = Fixture.context()) -> AcceptOutcome {
        let outcome = LaunchValidator.validate(operations, offered: offered, context: context)
        // No leak, whatever happened: used + remaining is what was offered (no reservations in these accepts).
        #expect(outcome.used + outcome.remaining == offered)
        return outcome
    }

    /// The single error of launching `task` alone.
    func problem(of task: TaskInfo, context: LaunchContext = Fixture.context()) -> TaskError? {
        let outcome = validate([.launch([task])], context: context)
        #expect(outcome.taskErrors.count <= 1)
        if outcome.taskErrors.isEmpty { #expect(outcome.accepted == [.launch([task])]) } else { #expect(outcome.accepted.isEmpty) }
        return outcome.taskErrors.first
    }

    @Test func identifierRules() {
        #expect(IdentifierRules.check("web-1.α") == nil)
        #expect(IdentifierRules.check("") == .empty)
        #expect(IdentifierRules.check(String(repeating: "a", count: 255)) == nil)
        #expect(IdentifierRules.check(String(repeating: "a", count: 256)) == .tooLong(bytes: 256))
        #expect(IdentifierRules.check(String(repeating: "é", count: 128)) == .tooLong(bytes: 256))
        #expect(IdentifierRules.check(".") == .reservedName("."))
        #expect(IdentifierRules.check("..") == .reservedName(".."))
        #expect(IdentifierRules.check("...") == nil)
        #expect(IdentifierRules.check("a/b") == .pathSeparator(position: 1))
        #expect(IdentifierRules.check("a\\b") == .pathSeparator(position: 1))
        #expect(IdentifierRules.check("ab\n") == .controlCharacter(position: 2, code: 0x0A))
        #expect(IdentifierRules.check("\u{7F}") == .controlCharacter(position: 0, code: 0x7F))
        #expect(IdentifierRules.check("x\u{85}") == .controlCharacter(position: 1, code: 0x85))
        #expect(IdentifierRules.check("a\0") == .controlCharacter(position: 1, code: 0))
        #expect(IdentifierProblem.controlCharacter(position: 2, code: 0x1B).description
            == "contains control character U+1B at position 2")
    }

    @Test func validTaskLaunchesAndIsCharged() throws {
        let task = try Fixture.task("t1", "cpus:1;mem:128;ports:[31000-31000]")
        let outcome = validate([.launch([task])])
        #expect(outcome.taskErrors.isEmpty && outcome.operationErrors.isEmpty)
        #expect(outcome.used == task.resources)
        #expect(outcome.remaining == (try Fixture.resources("cpus:3;mem:896;ports:[31001-31010]")))
    }

    @Test func isolationOptionsAreChecked() throws {
        var task = try Fixture.task("iso")
        task.isolation = TaskIsolation(capabilities: ["CAP_NET_RAW", "chown", "sys_admin"], network: .loopbackOnly, hostname: "web-1.example")
        #expect(problem(of: task) == nil)

        #expect(TaskIsolation.Network.loopbackOnly.rawValue == "none" && TaskIsolation.Network.host.rawValue == "host")

        task.isolation = TaskIsolation(capabilities: ["CAP_CHOWN", "CAP_NOPE"])
        let error = problem(of: task)
        #expect(error?.state == .error)
        #expect(error?.reason == .taskInvalid)
        #expect(error?.description
            == "task iso: invalid isolation options: unknown capability \"CAP_NOPE\" (expected names like CAP_NET_RAW or net_raw)")
        task.isolation = TaskIsolation(capabilities: ["x", "y"])
        #expect(problem(of: task)?.problem
            == .invalidIsolation("unknown capabilities \"x\", \"y\" (expected names like CAP_NET_RAW or net_raw)"))

        for bad in ["", String(repeating: "h", count: 65), "-web", ".web", "web_1", "wéb", "a b"] {
            task.isolation = TaskIsolation(hostname: bad)
            guard case .invalidIsolation(let why)? = problem(of: task)?.problem else {
                Issue.record("host name \"\(bad)\" accepted")
                continue
            }
            #expect(why.contains("host name"), "\(why)")
        }
        task.isolation = TaskIsolation(hostname: String(repeating: "h", count: 64))
        #expect(problem(of: task) == nil)

        // A custom executor's tasks run in the executor's container: options there are refused, not ignored.
        let custom = try Fixture.task("custom", command: nil, executor: try Fixture.executor("e1"))
        var isolated = custom
        isolated.isolation = TaskIsolation(network: .loopbackOnly)
        guard case .invalidIsolation(let why)? = problem(of: isolated)?.problem else {
            Issue.record("isolation on a custom executor's task accepted")
            return
        }
        #expect(why.contains("custom executor"))
        let group = TaskGroupInfo(tasks: [isolated.withoutExecutor(command: .shell("true"))])
        let outcome = validate([.launchGroup(executor: try Fixture.executor("e2"), group: group)])
        #expect(outcome.accepted.isEmpty)
        guard case .invalidIsolation? = outcome.taskErrors.first?.problem else {
            Issue.record("isolation in a custom executor's group accepted: \(outcome.taskErrors)")
            return
        }
    }

    @Test func invalidTaskID() throws {
        let error = problem(of: try Fixture.task("a/b"))
        #expect(error == TaskError(taskID: TaskID("a/b"), reason: .taskInvalid, problem: .invalidTaskID(.pathSeparator(position: 1))))
        #expect(error?.state == .error)
        #expect(error?.description == "task a/b: task ID contains a path separator at position 1")
    }

    @Test func duplicateTaskIDsWithinAnAccept() throws {
        let first = try Fixture.task("t1")
        let outcome = validate([.launch([first, try Fixture.task("t1", "cpus:2")]),
                                .launchGroup(executor: try Fixture.executor("e", kind: .default),
                                             group: TaskGroupInfo(tasks: [try Fixture.task("t1")]))])
        #expect(outcome.accepted == [.launch([first])])
        #expect(outcome.taskErrors == [
            TaskError(taskID: TaskID("t1"), reason: .taskInvalid, problem: .duplicateTaskID),
            TaskError(taskID: TaskID("t1"), reason: .taskGroupInvalid, problem: .duplicateTaskID),
        ])
    }

    @Test func taskIDOfALiveTask() throws {
        #expect(problem(of: try Fixture.task("t1"), context: Fixture.context(live: [TaskID("t1")]))
            == TaskError(taskID: TaskID("t1"), reason: .taskInvalid, problem: .taskIDInUse))
    }

    @Test func agentMismatch() throws {
        #expect(problem(of: try Fixture.task("t1", agent: AgentID("other")))?.problem
            == .agentMismatch(task: AgentID("other"), offer: Fixture.agent))
    }

    @Test func noResources() throws {
        let error = problem(of: try Fixture.task("t1", ""))
        #expect(error?.problem == .noResources)
        #expect(error?.description == "task t1: task uses no resources")
    }

    @Test func insufficientResources() throws {
        let error = problem(of: try Fixture.task("t1", "cpus:5"))
        #expect(error?.problem == .insufficientResources(needed: try Fixture.resources("cpus:5"), available: offered))
        #expect(error?.description == "task t1: task needs \(try Fixture.resources("cpus:5")) but only \(offered) is left in the offers")
        #expect(problem(of: try Fixture.task("t2", "gpus:1"))?.problem
            == .insufficientResources(needed: try Fixture.resources("gpus:1"), available: offered))
    }

    @Test func commandAndExecutorRules() throws {
        #expect(problem(of: try Fixture.task("t1", command: nil))?.problem == .noCommandOrExecutor)
        #expect(problem(of: try Fixture.task("t1", executor: try Fixture.executor("e")))?.problem == .commandAndExecutor)
        let cases: [(CommandInfo, String)] = [
            (.shell(""), "shell command is empty"),
            (.shell("a\0b"), "shell command contains a NUL byte"),
            (.argv([]), "argv is empty"),
            (.argv([""]), "argv[0] (the executable) is empty"),
            (.argv(["/bin/echo", "x\0"]), "argv[1] contains a NUL byte"),
            (.argv(["/bin/true"], environment: [EnvironmentVariable(name: "", value: "x")]), "environment variable name is empty"),
            (.argv(["/bin/true"], environment: [EnvironmentVariable(name: "A=B", value: "x")]),
             "environment variable name 'A=B' contains '='"),
            (.argv(["/bin/true"], environment: [EnvironmentVariable(name: "A", value: "\0")]),
             "environment variable 'A' has a NUL byte in its value"),
            (.argv(["/bin/true"], environment: [EnvironmentVariable(name: "A", value: "1"), EnvironmentVariable(name: "A", value: "2")]),
             "environment variable 'A' is set twice"),
            (CommandInfo(.shell("true"), user: ""), "user is empty"),
        ]
        for (command, why) in cases {
            #expect(problem(of: try Fixture.task("t1", command: command))?.problem == .invalidCommand(why))
        }
    }

    @Test func negativeGracePeriod() throws {
        var task = try Fixture.task("t1")
        task.killPolicy = KillPolicy(gracePeriod: .seconds(-1))
        #expect(problem(of: task)?.problem == .negativeGracePeriod)
    }

    @Test func executorRules() throws {
        #expect(problem(of: try Fixture.task("t1", command: nil, executor: try Fixture.executor("")))?.problem
            == .invalidExecutorID(.empty))
        #expect(problem(of: try Fixture.task("t1", command: nil, executor: try Fixture.executor("e", "")))?.problem
            == .executorWithoutResources(ExecutorID("e")))
        #expect(problem(of: try Fixture.task("t1", command: nil, executor: try Fixture.executor("e", kind: .custom(.argv([])))))?.problem
            == .invalidExecutorCommand(ExecutorID("e"), "argv is empty"))
        let running = try Fixture.executor("e")
        var changed = running
        changed.resources = try Fixture.resources("cpus:1")
        #expect(problem(of: try Fixture.task("t1", command: nil, executor: changed),
                        context: Fixture.context(running: [running.executorID: running]))?.problem
            == .executorMismatch(ExecutorID("e")))
    }

    @Test func executorResourcesAreAccountedOnce() throws {
        let executor = try Fixture.executor("e", "cpus:1;mem:512")
        // Alone the task fits; with its new executor it does not.
        let big = try Fixture.task("big", "cpus:3.5", command: nil, executor: executor)
        #expect(problem(of: big)?.problem == .insufficientResources(needed: try Fixture.resources("cpus:4.5;mem:512"), available: offered))
        // Two tasks in one new executor: the executor is charged once.
        let a = try Fixture.task("a", "cpus:1;mem:128", command: nil, executor: executor)
        let b = try Fixture.task("b", "cpus:1;mem:128", command: nil, executor: executor)
        let outcome = validate([.launch([a, b])])
        #expect(outcome.taskErrors.isEmpty)
        #expect(outcome.used == (try Fixture.resources("cpus:3;mem:768")))
        // An executor already running on the agent is not charged again.
        let again = validate([.launch([a])], context: Fixture.context(running: [executor.executorID: executor]))
        #expect(again.used == a.resources)
    }

    @Test func invalidTasksDoNotBlockValidOnes() throws {
        let good = try Fixture.task("good")
        let outcome = validate([.launch([try Fixture.task(""), good, try Fixture.task("huge", "mem:4096")])])
        #expect(outcome.accepted == [.launch([good])])
        #expect(outcome.taskErrors.map(\.taskID) == [TaskID(""), TaskID("huge")])
        #expect(outcome.used == good.resources)
    }

    @Test func taskGroups() throws {
        let executor = try Fixture.executor("ge", "cpus:0.5;mem:32", kind: .default)
        let a = try Fixture.task("a"), b = try Fixture.task("b")
        let valid = validate([.launchGroup(executor: executor, group: TaskGroupInfo(tasks: [a, b]))])
        #expect(valid.taskErrors.isEmpty && valid.accepted.count == 1)
        #expect(valid.used == (try Fixture.resources("cpus:2.5;mem:288")))

        // One bad member refuses the whole group, naming the culprit.
        let bad = try Fixture.task("c", "")
        let refused = validate([.launchGroup(executor: executor, group: TaskGroupInfo(tasks: [a, bad]))])
        #expect(refused.accepted.isEmpty && refused.used.isEmpty)
        #expect(refused.taskErrors == [
            TaskError(taskID: TaskID("a"), reason: .taskGroupInvalid, problem: .groupMemberInvalid(culprit: TaskID("c"), problem: .noResources)),
            TaskError(taskID: TaskID("c"), reason: .taskGroupInvalid, problem: .noResources),
        ])
        #expect(refused.taskErrors[0].description == "task a: task group refused because task c: task uses no resources")

        let withExecutor = try Fixture.task("d", executor: try Fixture.executor("x"))
        #expect(validate([.launchGroup(executor: executor, group: TaskGroupInfo(tasks: [withExecutor]))]).taskErrors.first?.problem
            == .groupTaskHasExecutor)
        let noCommand = try Fixture.task("e", command: nil)
        #expect(validate([.launchGroup(executor: executor, group: TaskGroupInfo(tasks: [noCommand]))]).taskErrors.first?.problem
            == .groupTaskWithoutCommand)
        // A custom executor may run tasks without commands.
        let custom = try Fixture.executor("ce")
        #expect(validate([.launchGroup(executor: custom, group: TaskGroupInfo(tasks: [noCommand]))]).taskErrors.isEmpty)

        let tooBig = validate([.launchGroup(executor: executor, group: TaskGroupInfo(tasks: [a, try Fixture.task("f", "cpus:3")]))])
        #expect(tooBig.taskErrors.map(\.problem) == Array(repeating: .insufficientResources(
            needed: try Fixture.resources("cpus:4.5;mem:160"), available: offered), count: 2))

        let empty = validate([.launchGroup(executor: executor, group: TaskGroupInfo(tasks: []))])
        #expect(empty.operationErrors == [OperationError(operation: "LAUNCH_GROUP", problem: .empty)])
    }

    @Test func reservations() throws {
        let role = try Role("eng")
        let context = Fixture.context(principal: "alice", role: role)
        let reserved = try Fixture.resources("cpus(eng,alice):1")
        let reserve = LaunchValidator.validate([.reserve(reserved)], offered: offered, context: context)
        #expect(reserve.operationErrors.isEmpty && reserve.accepted == [.reserve(reserved)])
        #expect(reserve.remaining == (try Fixture.resources("cpus:3;mem:1024;ports:[31000-31010];cpus(eng,alice):1")))
        // Launch on the reserved cpu right after reserving it.
        let task = try Fixture.task("t", "cpus(eng,alice):1")
        let both = LaunchValidator.validate([.reserve(reserved), .launch([task])], offered: offered, context: context)
        #expect(both.taskErrors.isEmpty && both.used == reserved)
        // And back.
        let unreserve = LaunchValidator.validate([.unreserve(reserved)], offered: reserve.remaining, context: context)
        #expect(unreserve.remaining == offered)

        func refusal(_ operation: Operation, context: LaunchContext = context) -> OperationError.Problem? {
            LaunchValidator.validate([operation], offered: offered, context: context).operationErrors.first?.problem
        }
        #expect(refusal(.reserve(Resources())) == .empty)
        #expect(refusal(.reserve(try Fixture.resources("cpus:1"))) == .notDynamicallyReserved("cpus:1"))
        #expect(refusal(.reserve(try Fixture.resources("cpus(eng):1"))) == .notDynamicallyReserved("cpus(eng):1"))
        #expect(refusal(.reserve(try Fixture.resources("cpus(ops,alice):1"))) == .wrongRole(reserved: try Role("ops"), allocation: role))
        #expect(refusal(.reserve(try Fixture.resources("cpus(eng,bob):1"))) == .wrongPrincipal(reserved: "bob", framework: "alice"))
        #expect(refusal(.reserve(try Fixture.resources("cpus(eng,alice):8")))
            == .insufficientResources(needed: try Fixture.resources("cpus:8"), available: offered))
        #expect(refusal(.unreserve(reserved)) == .insufficientResources(needed: reserved, available: offered))
        #expect(OperationError(operation: "RESERVE", problem: .wrongRole(reserved: try Role("ops"), allocation: role)).description
            == "RESERVE refused: reservation for role 'ops' but the offers are allocated to 'eng'")
    }

    @Test func offerPooling() throws {
        func offer(_ id: String, framework: String = "fw-1", agent: String = "agent-1", role: Role = .any) throws -> Offer {
            Offer(id: OfferID(id), frameworkID: FrameworkID(framework), agentID: AgentID(agent), hostname: "h",
                  allocationRole: role, resources: try Fixture.resources("cpus:1"))
        }
        let table = Dictionary(uniqueKeysWithValues: try [
            offer("o1"), offer("o2"), offer("theirs", framework: "fw-2"), offer("far", agent: "agent-2"),
            offer("eng", role: try Role("eng")),
        ].map { ($0.id, $0) })
        func pool(_ ids: [String]) -> Result<PooledOffers, OfferProblem> {
            LaunchValidator.pool(ids.map(OfferID.init), frameworkID: Fixture.framework, outstanding: table)
        }
        let pooled = try pool(["o1", "o2"]).get()
        #expect(pooled.resources == (try Fixture.resources("cpus:2")) && pooled.agentID == Fixture.agent && pooled.role == .any)
        #expect(throws: OfferProblem.noOffers) { try pool([]).get() }
        #expect(throws: OfferProblem.duplicateOffer(OfferID("o1"))) { try pool(["o1", "o1"]).get() }
        #expect(throws: OfferProblem.unknownOffer(OfferID("gone"))) { try pool(["o1", "gone"]).get() }
        #expect(throws: OfferProblem.notOwned(OfferID("theirs"))) { try pool(["theirs"]).get() }
        #expect(throws: OfferProblem.differentAgents(OfferID("far"), Fixture.agent, AgentID("agent-2"))) { try pool(["o1", "far"]).get() }
        #expect(throws: OfferProblem.differentRoles(OfferID("eng"), .any, try Role("eng"))) { try pool(["o1", "eng"]).get() }

        let dropped = LaunchValidator.dropAll([.launch([try Fixture.task("a")]), .reserve(Resources()),
                                               .launchGroup(executor: try Fixture.executor("e"), group: TaskGroupInfo(tasks: [try Fixture.task("b")]))],
                                              because: .unknownOffer(OfferID("gone")))
        #expect(dropped.map(\.taskID) == [TaskID("a"), TaskID("b")])
        #expect(dropped.allSatisfy { $0.state == .dropped && $0.reason == .invalidOffers })
        #expect(dropped[0].description == "task a: offers are invalid: offer gone is no longer valid")
        #expect(dropped[0].state.reported(toPartitionAware: false) == .lost)
    }
}

extension TaskInfo {
    /// The same task with a command instead of its executor (a group member).
    fileprivate func withoutExecutor(command: CommandInfo) -> TaskInfo {
        var task = self
        task.executor = nil
        task.command = command
        return task
    }
}
