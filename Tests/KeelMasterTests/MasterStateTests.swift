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
        state.tasks[framework] = [info.taskID: TaskRecord(frameworkID: framework, info: info, role: .any,
                                                          state: taskState, latest: status, holdsResources: true)]
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

    @Test func liveTaskIDsAmongCandidatesAgreeWithTheFullSet() throws {
        var state = try state(with: .running)
        let ended = try task("done", on: agent)
        let endedStatus = TaskStatus(taskID: ended.taskID, state: .finished, source: .executor, timestamp: 0)
        state.tasks[framework]?[ended.taskID] = TaskRecord(frameworkID: framework, info: ended, role: .any,
                                                           state: .finished, latest: endedStatus, holdsResources: false)
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
