import KeelActors
import KeelCore
@testable import KeelProtocol

/// Values shared by the tests: a small agent, a framework, commands and tasks.
enum Fixture {
    static let agent = AgentID("agent-1")
    static let framework = FrameworkID("fw-1")
    static let role = Role.any

    static func resources(_ text: String) throws -> Resources {
        try Resources.parse(text)
    }

    static let actor = ActorID(node: NodeID(endpoint: Endpoint(host: "10.0.0.1", port: 5050), incarnation: 0xABCD),
                               path: "scheduler")

    static func task(_ id: String, _ resources: String = "cpus:1;mem:128", command: CommandInfo? = .shell("true"),
                     executor: ExecutorInfo? = nil, agent: AgentID = Fixture.agent) throws -> TaskInfo {
        TaskInfo(name: id, taskID: TaskID(id), agentID: agent, resources: try Fixture.resources(resources),
                 command: command, executor: executor)
    }

    static func executor(_ id: String, _ resources: String = "cpus:0.5;mem:64",
                         kind: ExecutorInfo.Kind = .custom(.argv(["/usr/bin/my-executor"]))) throws -> ExecutorInfo {
        ExecutorInfo(executorID: ExecutorID(id), name: id, kind: kind, resources: try Fixture.resources(resources))
    }

    static func context(live: Set<TaskID> = [], running: [ExecutorID: ExecutorInfo] = [:],
                        principal: String? = "alice", role: Role = Fixture.role) -> LaunchContext {
        LaunchContext(frameworkID: framework, principal: principal, agentID: agent, role: role,
                      liveTaskIDs: live, runningExecutors: running)
    }

    static func status(_ state: TaskState, reason: TaskReason? = nil) -> TaskStatus {
        TaskStatus(taskID: TaskID("t"), state: state, reason: reason, source: .executor, timestamp: 1_700_000_000.25)
    }
}
