import KeelActors
import KeelCodec
import KeelCore
import Testing
@testable import KeelProtocol

/// Every message type survives the runtime's binary codec unchanged.
@Suite struct CodecRoundTripTests {
    func roundTrip<T: Codable & Equatable>(_ value: T, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let bytes = try BinaryEncoder().encode(value)
        let decoded = try BinaryDecoder().decode(T.self, from: bytes)
        #expect(decoded == value, "\(T.self) changed in a round trip", sourceLocation: sourceLocation)
    }

    @Test func identifiers() throws {
        try roundTrip(TaskID("web-1"))
        try roundTrip(ExecutorID("exec ü"))
        try roundTrip(OfferID("o-42"))
        try roundTrip(StatusUpdateID(high: .max, low: 7))
        try roundTrip(ProtocolVersion.current)
        try roundTrip([IdentifierProblem.empty, .tooLong(bytes: 300), .reservedName(".."), .pathSeparator(position: 2),
                       .controlCharacter(position: 1, code: 0x7F)])
    }

    @Test func statesAndStatuses() throws {
        for state in TaskState.allCases { try roundTrip(state) }
        for reason in TaskReason.allCases { try roundTrip(reason) }
        for source in TaskStatusSource.allCases { try roundTrip(source) }
        for capability in FrameworkCapability.allCases { try roundTrip(capability) }
        for state in AgentState.allCases { try roundTrip(state) }
        try roundTrip(ProcessExit.exited(code: 3))
        try roundTrip(ProcessExit.signaled(signal: 9))
        let full = TaskStatus(taskID: TaskID("t1"), state: .failed, reason: .executorTerminated, message: "exit 3",
                              source: .agent, agentID: Fixture.agent, executorID: ExecutorID("e"),
                              timestamp: 1_700_000_000.5, uuid: StatusUpdateID(high: 1, low: 2), healthy: false,
                              exitStatus: .exited(code: 3))
        try roundTrip(full)
        try roundTrip(Fixture.status(.running))
        try roundTrip(StatusUpdate(frameworkID: Fixture.framework, status: full, latestState: .failed))
        try roundTrip(Acknowledgement(frameworkID: Fixture.framework, agentID: Fixture.agent, taskID: TaskID("t1"),
                                      uuid: StatusUpdateID(high: 3, low: 4)))
    }

    @Test func descriptions() throws {
        var framework = FrameworkInfo(id: Fixture.framework, name: "batch", roles: [try Role("eng"), try Role("eng/web")],
                                      principal: "alice", user: "nobody", capabilities: [.partitionAware, .gpuResources],
                                      failoverTimeout: .seconds(60))
        try roundTrip(framework)
        framework = FrameworkInfo(name: "defaults")
        try roundTrip(framework)
        let agent = AgentInfo(id: Fixture.agent, hostname: "h1", resources: try Fixture.resources("cpus:4;mem:8192;ports:[31000-32000]"),
                              attributes: try Attributes.parse("rack:r1;ssd:true"))
        try roundTrip(agent)
        let command = CommandInfo(.argv(["/bin/echo", "hi"]), environment: [EnvironmentVariable(name: "A", value: "1")], user: "u")
        try roundTrip(command)
        try roundTrip(CommandInfo.shell("echo $HOME"))
        try roundTrip(try Fixture.executor("e1"))
        try roundTrip(try Fixture.executor("e2", kind: .default))
        try roundTrip(KillPolicy(gracePeriod: .milliseconds(1500)))
        var task = try Fixture.task("t1", executor: nil)
        task.killPolicy = KillPolicy()
        task.labels = [Label(key: "k", value: "v")]
        try roundTrip(task)
        try roundTrip(TaskGroupInfo(tasks: [task, try Fixture.task("t2")]))
        task.isolation = TaskIsolation(capabilities: ["CAP_NET_RAW", "chown"], network: .loopbackOnly, hostname: "h1")
        try roundTrip(task)
        task.isolation = TaskIsolation()
        try roundTrip(task)
    }

    /// A `TaskInfo` encoded before ``TaskInfo/isolation`` existed still decodes (as `nil`).
    @Test func taskInfoWithoutIsolationFromAnOlderPeerDecodes() throws {
        struct OlderTaskInfo: Codable {
            var name: String
            var taskID: TaskID
            var agentID: AgentID
            var resources: Resources
            var command: CommandInfo?
            var executor: ExecutorInfo?
            var killPolicy: KillPolicy?
            var labels: [Label]
            var data: [UInt8]
        }
        let task = try Fixture.task("t1")
        let older = OlderTaskInfo(name: task.name, taskID: task.taskID, agentID: task.agentID, resources: task.resources,
                                  command: task.command, executor: task.executor, killPolicy: task.killPolicy,
                                  labels: task.labels, data: task.data)
        let decoded = try BinaryDecoder().decode(TaskInfo.self, from: try BinaryEncoder().encode(older))
        #expect(decoded == task)
        #expect(decoded.isolation == nil)
    }

    @Test func offersAndOperations() throws {
        let offer = Offer(id: OfferID("o1"), frameworkID: Fixture.framework, agentID: Fixture.agent, hostname: "h1",
                          allocationRole: try Role("eng"), resources: try Fixture.resources("cpus:2;mem:1024"),
                          attributes: try Attributes.parse("zone:a"), executorIDs: [ExecutorID("e1")])
        try roundTrip(offer)
        try roundTrip(Filters(refuseSeconds: 30))
        let reserved = try Fixture.resources("cpus(eng,alice):1")
        let operations: [Operation] = [
            .launch([try Fixture.task("t1")]),
            .launchGroup(executor: try Fixture.executor("e", kind: .default), group: TaskGroupInfo(tasks: [try Fixture.task("t2")])),
            .reserve(reserved), .unreserve(reserved),
        ]
        try roundTrip(operations)
        try roundTrip(AcceptRequest(frameworkID: Fixture.framework, offerIDs: [OfferID("o1")], operations: operations,
                                    filters: Filters(refuseSeconds: 1)))
        try roundTrip(DeclineRequest(frameworkID: Fixture.framework, offerIDs: [OfferID("o1"), OfferID("o2")]))
        try roundTrip(KillRequest(frameworkID: Fixture.framework, taskID: TaskID("t"), agentID: Fixture.agent,
                                  killPolicy: KillPolicy(gracePeriod: .seconds(1))))
        try roundTrip(ReconcileRequest(frameworkID: Fixture.framework, tasks: [.init(taskID: TaskID("t"), agentID: nil)]))
        try roundTrip(FrameworkMessage(frameworkID: Fixture.framework, agentID: Fixture.agent, executorID: ExecutorID("e"),
                                       data: [0, 1, 255]))
    }

    @Test func registrations() throws {
        let info = FrameworkInfo(id: Fixture.framework, name: "f")
        try roundTrip(SubscribeRequest(framework: info, scheduler: Fixture.actor))
        try roundTrip(Subscribed(frameworkID: Fixture.framework, heartbeatInterval: .seconds(15)))
        let agent = AgentInfo(hostname: "h", resources: try Fixture.resources("cpus:1"))
        try roundTrip(RegisterAgentRequest(agent: agent, actor: Fixture.actor))
        try roundTrip(AgentRegistered(agentID: Fixture.agent, pingInterval: .seconds(1)))
        try roundTrip(ReregisterAgentRequest(
            agent: agent, actor: Fixture.actor,
            tasks: [TaskSnapshot(frameworkID: Fixture.framework, task: try Fixture.task("t"), state: .running)],
            executors: [ExecutorSnapshot(frameworkID: Fixture.framework, executor: try Fixture.executor("e"))],
            frameworks: [info]))
        try roundTrip(ExecutorExited(frameworkID: Fixture.framework, agentID: Fixture.agent, executorID: ExecutorID("e"),
                                     status: .signaled(signal: 15)))
        try roundTrip(RunTasksRequest(framework: info, task: try Fixture.task("t")))
        try roundTrip(RunTaskGroupRequest(framework: info, executor: try Fixture.executor("e", kind: .default),
                                          group: TaskGroupInfo(tasks: [try Fixture.task("t")])))
        try roundTrip(RegisterExecutorRequest(frameworkID: Fixture.framework, executorID: ExecutorID("e"), actor: Fixture.actor))
        try roundTrip(ExecutorRegistered(agentID: Fixture.agent, framework: info, executor: try Fixture.executor("e")))
    }

    @Test func errors() throws {
        for error: MasterError in [.incompatibleVersion(offered: .init(major: 2, minor: 0), supported: .current),
                                   .invalidFrameworkInfo(field: "name", reason: "must not be empty"),
                                   .invalidAgentInfo(field: "hostname", reason: "x"), .frameworkNotSubscribed(Fixture.framework),
                                   .frameworkRemoved(Fixture.framework), .agentNotRegistered(Fixture.agent),
                                   .agentGone(Fixture.agent), .invalidRequest("no offers")] {
            try roundTrip(error)
        }
        for error: AgentError in [.notRegistered(nil), .notRegistered(Fixture.agent), .unknownFramework(Fixture.framework),
                                  .unknownExecutor(Fixture.framework, ExecutorID("e")),
                                  .executorAlreadyRegistered(Fixture.framework, ExecutorID("e")),
                                  .taskAlreadyKnown(Fixture.framework, TaskID("t")), .shuttingDown] {
            try roundTrip(error)
        }
        for error: ExecutorError in [.notRegistered, .taskAlreadyLaunched(TaskID("t")), .unknownTask(TaskID("t")), .shuttingDown] {
            try roundTrip(error)
        }
        let nested = TaskError(taskID: TaskID("b"), reason: .taskGroupInvalid,
                               problem: .groupMemberInvalid(culprit: TaskID("a"), problem: .insufficientResources(
                                   needed: try Fixture.resources("cpus:2"), available: try Fixture.resources("cpus:1"))))
        try roundTrip(nested)
        try roundTrip(TaskError(taskID: TaskID("t"), reason: .invalidOffers, problem: .invalidOffers(.unknownOffer(OfferID("o")))))
        try roundTrip(OperationError(operation: "RESERVE", problem: .wrongRole(reserved: try Role("a"), allocation: .any)))
        try roundTrip(OfferProblem.differentRoles(OfferID("o"), .any, try Role("b")))
        try roundTrip(TaskTransitionError(from: .running, to: .error, problem: .inconsistentReason(.taskInvalid)))
        try roundTrip(TaskTransitionError(from: nil, to: .running, problem: .notAnInitialState))
        try roundTrip(AgentTransitionError(from: .gone, to: .active))
    }
}
