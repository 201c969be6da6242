import KeelCore
import Testing
@testable import KeelProtocol

/// The transition table, written out independently of the implementation.
@Suite struct TaskStateMachineTests {
    static let ends: [TaskState] = [.finished, .failed, .killed, .lost, .unreachable, .gone, .goneByOperator]
    static let legal: [TaskState?: Set<TaskState>] = [
        nil: [.staging, .error, .dropped],
        .staging: Set(ends + [.starting, .running, .killing, .dropped]),
        .starting: Set(ends + [.running, .killing]),
        .running: Set(ends + [.running, .killing]),
        .killing: Set(ends),
        .unreachable: [.staging, .starting, .running, .killing, .finished, .failed, .killed, .lost, .dropped, .gone,
                       .goneByOperator],
    ]
    static let origins: [TaskState?] = [nil] + TaskState.allCases.map { Optional($0) }

    @Test func terminalStates() {
        let terminal = Set(TaskState.allCases.filter(\.isTerminal))
        #expect(terminal == [.finished, .failed, .killed, .error, .lost, .dropped, .gone, .goneByOperator])
    }

    @Test(arguments: origins)
    func everyPair(from: TaskState?) {
        for to in TaskState.allCases {
            let allowed = Self.legal[from]?.contains(to) ?? false
            do {
                let next = try TaskStateMachine.transition(from: from, to: to)
                #expect(allowed, "\(from?.rawValue ?? "new") -> \(to) was accepted")
                #expect(next == to)
            } catch {
                #expect(!allowed, "\(from?.rawValue ?? "new") -> \(to) was refused: \(error)")
                let expected: TaskTransitionError.Problem =
                    if to == .unknown || from == .unknown { .reconciliationOnly }
                    else if from == nil { .notAnInitialState }
                    else if from?.isTerminal == true { .fromTerminal }
                    else if to == .error { .errorAfterLaunch }
                    else { .notAllowed }
                #expect(error == TaskTransitionError(from: from, to: to, problem: expected))
            }
        }
    }

    @Test func terminalStatesStayTerminal() {
        for from in TaskState.allCases where from.isTerminal {
            #expect(TaskStateMachine.successors(of: from).isEmpty)
            for to in TaskState.allCases where to != .unknown {
                #expect(throws: TaskTransitionError(from: from, to: to, problem: .fromTerminal)) {
                    try TaskStateMachine.transition(from: from, to: to)
                }
            }
        }
    }

    @Test func messages() {
        #expect(TaskTransitionError(from: .finished, to: .running, problem: .fromTerminal).description
            == "illegal task transition TASK_FINISHED -> TASK_RUNNING: TASK_FINISHED is terminal")
        #expect(TaskTransitionError(from: nil, to: .running, problem: .notAnInitialState).description
            == "illegal task transition (new task) -> TASK_RUNNING: a new task must start in TASK_STAGING, TASK_ERROR or TASK_DROPPED")
        #expect(TaskTransitionError(from: .running, to: .error, problem: .inconsistentReason(.taskInvalid)).description
            == "illegal task transition TASK_RUNNING -> TASK_ERROR: reason REASON_TASK_INVALID cannot accompany TASK_ERROR")
    }

    @Test func applyChecksReasonThenTransition() throws {
        #expect(try TaskStateMachine.apply(Fixture.status(.failed, reason: .executorTerminated), to: .running) == .failed)
        #expect(try TaskStateMachine.apply(Fixture.status(.running, reason: .reconciliation), to: .staging) == .running)
        #expect(throws: TaskTransitionError(from: .running, to: .finished, problem: .inconsistentReason(.taskInvalid))) {
            try TaskStateMachine.apply(Fixture.status(.finished, reason: .taskInvalid), to: .running)
        }
        #expect(throws: TaskTransitionError(from: .killed, to: .killed, problem: .fromTerminal)) {
            try TaskStateMachine.apply(Fixture.status(.killed, reason: .taskKilledDuringLaunch), to: .killed)
        }
    }

    @Test func reasonConsistency() {
        let validation: [TaskReason] = [.taskInvalid, .taskGroupInvalid, .taskUnauthorized, .taskGroupUnauthorized]
        for reason in validation {
            #expect(TaskState.allCases.filter { reason.isConsistent(with: $0) } == [.error])
        }
        #expect(TaskState.allCases.allSatisfy { TaskReason.reconciliation.isConsistent(with: $0) })
        #expect(Set(TaskState.allCases.filter { TaskReason.invalidOffers.isConsistent(with: $0) }) == [.dropped, .lost])
        #expect(Set(TaskState.allCases.filter { TaskReason.taskHealthCheckStatusUpdated.isConsistent(with: $0) })
            == [.starting, .running, .killing])
        #expect(Set(TaskState.allCases.filter { TaskReason.executorTerminated.isConsistent(with: $0) })
            == [.failed, .killed, .lost, .dropped, .gone, .goneByOperator])
        #expect(!TaskReason.containerLimitationMemory.isConsistent(with: .finished))
        // Every reason fits at least one state.
        for reason in TaskReason.allCases {
            #expect(TaskState.allCases.contains { reason.isConsistent(with: $0) }, "\(reason) fits no state")
        }
    }

    @Test func partitionAwareMapping() {
        for state in TaskState.allCases {
            #expect(state.reported(toPartitionAware: true) == state)
            let mapped = state.reported(toPartitionAware: false)
            let expected: TaskState = [.unreachable, .dropped, .gone, .goneByOperator, .unknown].contains(state) ? .lost : state
            #expect(mapped == expected)
        }
    }

    @Test func rawValuesAreMesosNames() {
        #expect(TaskState.goneByOperator.rawValue == "TASK_GONE_BY_OPERATOR")
        #expect(TaskReason.invalidFrameworkID.rawValue == "REASON_INVALID_FRAMEWORKID")
        #expect(TaskStatusSource.executor.rawValue == "SOURCE_EXECUTOR")
        #expect(FrameworkCapability.partitionAware.rawValue == "PARTITION_AWARE")
        #expect(Set(TaskState.allCases.map(\.rawValue)).count == 14)
    }

    @Test func agentLifecycle() throws {
        let legal: [AgentState: Set<AgentState>] = [
            .registering: [.active, .gone], .active: [.unreachable, .gone], .unreachable: [.active, .gone], .gone: [],
        ]
        for from in AgentState.allCases {
            for to in AgentState.allCases {
                if legal[from, default: []].contains(to) {
                    #expect(try from.transition(to: to) == to)
                } else {
                    #expect(throws: AgentTransitionError(from: from, to: to)) { try from.transition(to: to) }
                }
            }
        }
        #expect(AgentTransitionError(from: .gone, to: .active).description
            == "illegal agent transition gone -> active (gone is terminal)")
        #expect(AgentTransitionError(from: .registering, to: .unreachable).description
            == "illegal agent transition registering -> unreachable (allowed: active, gone)")
    }
}
