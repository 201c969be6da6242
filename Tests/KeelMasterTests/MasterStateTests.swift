import KeelActors
import KeelAllocator
import KeelCore
import KeelProtocol
import Testing
@testable import KeelMaster

/// The pure bookkeeping, without actors.
@Suite struct MasterStateTests {
    let framework = FrameworkID("fw")
    let agent = AgentID("agent")

    func state(with taskState: TaskState = .staging) throws -> MasterState {
        var state = MasterState(idPrefix: "m")
        let info = try task("t", on: agent)
        let status = TaskStatus(taskID: info.taskID, state: taskState, source: .master, timestamp: 0)
        state.setTask(TaskRecord(frameworkID: framework, info: info, role: .any, state: taskState, latest: status,
                                 holdsResources: true))
        return state
    }

    func status(_ state: TaskState, uuid: UInt64?, reason: TaskReason? = nil) -> TaskStatus {
        TaskStatus(taskID: TaskID("t"), state: state, reason: reason, source: .executor, timestamp: 1,
                   uuid: uuid.map { StatusUpdateID(high: 0, low: $0) })
    }

    @Test func idsAreFreshAndValid() {
        var state = MasterState(idPrefix: "1a2b")
        let ids = [state.newAgentID().value, state.newAgentID().value, state.newFrameworkID().value,
                   state.newOfferID().value, state.newOfferID().value]
        #expect(ids == ["1a2b-S1", "1a2b-S2", "1a2b-0001", "1a2b-O1", "1a2b-O2"])
        #expect(ids.allSatisfy { IdentifierRules.check($0) == nil })
    }

    @Test func terminalUpdateReleasesResourcesOnceAndRetriesChangeNothing() throws {
        var state = try state()
        #expect(try state.record(status(.running, uuid: 1), of: framework) == false)
        #expect(try state.record(status(.running, uuid: 1), of: framework) == false)
        #expect(state.tasks[framework]?[TaskID("t")]?.state == .running)
        #expect(try state.record(status(.finished, uuid: 2), of: framework) == true)
        // A retry of the terminal update is recognised by its uuid: no second release, no error.
        #expect(try state.record(status(.finished, uuid: 2), of: framework) == false)
        #expect(state.liveTaskIDs(of: framework).isEmpty)
    }

    /// An agent's tasks are found through the index the task operations keep, across frameworks, terminal ones
    /// included only where asked, and forgotten when removed one by one or with their framework.
    @Test func theTasksOfAnAgentFollowEveryTaskOperation() throws {
        var state = MasterState(idPrefix: "m")
        let other = AgentID("other")
        let second = FrameworkID("fw2")
        func record(_ id: String, _ framework: FrameworkID, on agent: AgentID, _ taskState: TaskState) throws -> TaskRecord {
            let info = try task(id, on: agent)
            return TaskRecord(frameworkID: framework, info: info, role: .any, state: taskState,
                              latest: TaskStatus(taskID: info.taskID, state: taskState, source: .master, timestamp: 0),
                              holdsResources: !taskState.isTerminal)
        }
        state.setTask(try record("b", framework, on: agent, .running))
        state.setTask(try record("a", second, on: agent, .staging))
        state.setTask(try record("c", framework, on: agent, .finished))
        state.setTask(try record("d", framework, on: other, .running))
        #expect(state.tasks(onAgent: agent).map(\.info.taskID.value) == ["a", "b", "c"])
        #expect(state.liveTasks(onAgent: agent).map(\.info.taskID.value) == ["a", "b"])
        #expect(state.tasks(onAgent: other).map(\.info.taskID.value) == ["d"])
        // Replaced in place: still once.
        state.setTask(try record("b", framework, on: agent, .finished))
        #expect(state.tasks(onAgent: agent).map(\.info.taskID.value) == ["a", "b", "c"])
        #expect(state.liveTasks(onAgent: agent).map(\.info.taskID.value) == ["a"])
        // A record for the same task on another agent moves it there.
        state.setTask(try record("b", framework, on: other, .running))
        #expect(state.tasks(onAgent: agent).map(\.info.taskID.value) == ["a", "c"])
        #expect(state.tasks(onAgent: other).map(\.info.taskID.value) == ["b", "d"])
        #expect(state.removeTask(TaskID("c"), of: framework)?.state == .finished)
        #expect(state.removeTask(TaskID("c"), of: framework) == nil)
        #expect(state.tasks(onAgent: agent).map(\.info.taskID.value) == ["a"])
        #expect(state.removeTasks(of: framework).count == 2)
        #expect(state.tasks(onAgent: other).isEmpty)
        #expect(state.tasks(onAgent: agent).map(\.info.taskID.value) == ["a"])
        #expect(state.tasks[framework] == nil && state.tasks[second]?.count == 1)
    }

    /// An agent's outstanding offers are found through the index that adding and removing offers keep.
    @Test func theOffersOfAnAgentFollowEveryOfferOperation() throws {
        var state = MasterState(idPrefix: "m")
        let other = AgentID("other")
        func offer(_ id: String, on agent: AgentID) throws -> KeelProtocol.Offer {
            KeelProtocol.Offer(id: OfferID(id), frameworkID: framework, agentID: agent, hostname: "h", allocationRole: .any,
                               resources: try Resources.parse("cpus:1"))
        }
        let now = ClockInstant(nanoseconds: 0)
        state.addOffer(try offer("o2", on: agent), at: now)
        state.addOffer(try offer("o1", on: agent), at: now)
        state.addOffer(try offer("o3", on: other), at: now)
        #expect(state.offers(onAgent: agent).map(\.id.value) == ["o1", "o2"])
        #expect(state.offers(onAgent: other).map(\.id.value) == ["o3"])
        #expect(state.removeOffer(OfferID("o2"))?.offer.agentID == agent)
        #expect(state.removeOffer(OfferID("o2")) == nil)
        #expect(state.offers(onAgent: agent).map(\.id.value) == ["o1"])
        #expect(state.removeOffer(OfferID("o1")) != nil && state.removeOffer(OfferID("o3")) != nil)
        #expect(state.offers(onAgent: agent).isEmpty && state.offers(onAgent: other).isEmpty && state.offers.isEmpty)
    }

    /// A framework's offers are found without looking at other frameworks' offers, and follow re-adds under another
    /// framework and removals.
    @Test func theOffersOfAFrameworkFollowEveryOfferOperation() throws {
        var state = MasterState(idPrefix: "m")
        let second = FrameworkID("fw2")
        func offer(_ id: String, to framework: FrameworkID, on agent: AgentID) throws -> KeelProtocol.Offer {
            KeelProtocol.Offer(id: OfferID(id), frameworkID: framework, agentID: agent, hostname: "h", allocationRole: .any,
                               resources: try Resources.parse("cpus:1"))
        }
        let now = ClockInstant(nanoseconds: 0)
        state.addOffer(try offer("o2", to: framework, on: agent), at: now)
        state.addOffer(try offer("o1", to: framework, on: AgentID("other")), at: now)
        state.addOffer(try offer("o3", to: second, on: agent), at: now)
        #expect(state.offers(ofFramework: framework).map(\.id.value) == ["o1", "o2"])
        #expect(state.offers(ofFramework: second).map(\.id.value) == ["o3"])
        state.addOffer(try offer("o2", to: second, on: agent), at: now)  // replaced under another framework
        #expect(state.offers(ofFramework: framework).map(\.id.value) == ["o1"])
        #expect(state.offers(ofFramework: second).map(\.id.value) == ["o2", "o3"])
        for id in ["o1", "o2", "o3"] { #expect(state.removeOffer(OfferID(id)) != nil) }
        #expect(state.offers(ofFramework: framework).isEmpty && state.offers(ofFramework: second).isEmpty)
    }

    /// Removing a framework's executors finds every agent holding one (recorded at launch or at admission), touches
    /// no other framework's, and leaves the index empty.
    @Test func executorsOfAFrameworkAreFoundThroughTheirIndex() throws {
        var state = MasterState(idPrefix: "m")
        let second = FrameworkID("fw2")
        func executor(_ id: String) throws -> ExecutorRecord {
            ExecutorRecord(info: ExecutorInfo(executorID: ExecutorID(id), kind: .default,
                                              resources: try Resources.parse("cpus:0.1")),
                           role: .any, holdsResources: true)
        }
        func agentRecord(_ id: String, executors: [FrameworkID: [ExecutorID: ExecutorRecord]] = [:]) throws -> AgentRecord {
            let info = KeelProtocol.AgentInfo(id: AgentID(id), hostname: id, resources: try Resources.parse("cpus:1"))
            let actor = ActorID(node: NodeID(endpoint: Endpoint(host: id, port: 1), incarnation: 1), path: "agent")
            let now = ClockInstant(nanoseconds: 0)
            return AgentRecord(id: AgentID(id), info: info, actor: actor, state: .active, lastSeen: now, lastPing: now,
                               executors: executors)
        }
        for index in 0..<100 { state.setAgent(try agentRecord("a\(index)")) }
        state.setAgent(try agentRecord("readmitted", executors: [framework: [ExecutorID("e0"): try executor("e0")]]))
        state.addExecutor(try executor("e1"), of: framework, on: AgentID("a7"))
        state.addExecutor(try executor("e2"), of: framework, on: AgentID("a7"))
        state.addExecutor(try executor("e3"), of: second, on: AgentID("a7"))
        state.addExecutor(try executor("e4"), of: second, on: AgentID("a9"))
        state.addExecutor(try executor("e5"), of: framework, on: AgentID("never-admitted"))  // ignored
        #expect(state.agents[AgentID("never-admitted")] == nil)
        #expect(state.removeExecutors(of: framework) == [AgentID("a7"), AgentID("readmitted")])
        #expect(state.agents[AgentID("a7")]?.executors[framework] == nil)
        #expect(state.agents[AgentID("a7")]?.executors[second]?.count == 1)
        #expect(state.agentsWithExecutors[framework] == nil)
        #expect(state.removeExecutors(of: second) == [AgentID("a7"), AgentID("a9")])
        #expect(state.agentsWithExecutors.isEmpty)
    }

    @Test func liveTaskIDsAmongCandidatesAgreeWithTheFullSet() throws {
        var state = try state(with: .running)
        let ended = try task("done", on: agent)
        let endedStatus = TaskStatus(taskID: ended.taskID, state: .finished, source: .executor, timestamp: 0)
        state.setTask(TaskRecord(frameworkID: framework, info: ended, role: .any, state: .finished, latest: endedStatus,
                                 holdsResources: false))
        let candidates = [TaskID("t"), TaskID("done"), TaskID("new")]
        #expect(state.liveTaskIDs(of: framework, among: candidates) == [TaskID("t")])
        #expect(state.liveTaskIDs(of: framework, among: candidates) == state.liveTaskIDs(of: framework).intersection(candidates))
        #expect(state.liveTaskIDs(of: FrameworkID("other"), among: candidates).isEmpty)
    }

    @Test func olderUpdateWithTerminalLatestStateReleasesResources() throws {
        var state = try state()
        #expect(try state.record(status(.running, uuid: 1), of: framework, latestState: .failed) == true)
        #expect(state.tasks[framework]?[TaskID("t")]?.state == .running)
        #expect(state.tasks[framework]?[TaskID("t")]?.holdsResources == false)
        #expect(try state.record(status(.failed, uuid: 2), of: framework) == false)
    }

    @Test func illegalTransitionsAreRefusedAndNotRecorded() throws {
        var state = try state(with: .finished)
        #expect(throws: TaskTransitionError(from: .finished, to: .running, problem: .fromTerminal)) {
            try state.record(status(.running, uuid: 1), of: framework)
        }
        var running = try self.state(with: .running)
        #expect(throws: TaskTransitionError(from: .running, to: .error, problem: .inconsistentReason(.invalidOffers))) {
            try running.record(status(.error, uuid: 3, reason: .invalidOffers), of: framework)
        }
        #expect(running.tasks[framework]?[TaskID("t")]?.state == .running)
        #expect(running.tasks[framework]?[TaskID("t")]?.seenUpdates.isEmpty == true)
    }
}
