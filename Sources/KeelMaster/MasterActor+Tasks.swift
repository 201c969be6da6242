import Distributed
import KeelActors
import KeelAllocator
import KeelCore
import KeelProtocol

extension MasterActor {
    public distributed func statusUpdates(_ updates: [StatusUpdate], from agentID: AgentID) async throws {
        guard let agent = state.agents[agentID] else { throw MasterError.agentNotRegistered(agentID) }
        if agent.state == .gone { throw MasterError.agentGone(agentID) }
        guard agent.state == .active else { throw MasterError.agentNotRegistered(agentID) }
        touch(agentID)
        for update in updates { apply(update, from: agentID) }
        allocateIfPending()
    }

    /// Records one update from an active agent and forwards it to its framework.
    private func apply(_ update: StatusUpdate, from agentID: AgentID) {
        let frameworkID = update.frameworkID
        var status = update.status
        if status.agentID == nil { status.agentID = agentID }
        if let task = state.tasks[frameworkID]?[status.taskID] {
            guard task.agentID == agentID else {
                // Not forwarded: the agent retries it and each retry is logged here, which is what an operator
                // needs to find the confused agent.
                logger.warning("status update dropped: the task runs on another agent",
                               ["task": status.taskID, "framework": frameworkID, "agent": agentID,
                                "taskAgent": task.agentID])
                return
            }
            do {
                if try state.record(status, of: frameworkID, latestState: update.latestState) {
                    recover(task.info.resources, framework: frameworkID, agent: agentID, role: task.role, filter: nil)
                }
            } catch {
                // Stale or illegal for the canonical record (e.g. the task was already ended by the master): not
                // recorded, but still forwarded so the agent's queue drains once the framework acknowledges it.
                logger.info("status update not recorded", ["task": status.taskID, "error": error.description])
            }
        } else {
            logger.info("status update for an unknown task", ["task": status.taskID, "framework": frameworkID])
        }
        report(status, to: frameworkID)
    }

    public distributed func acknowledge(_ acknowledgements: [Acknowledgement]) async throws {
        guard let frameworkID = acknowledgements.first?.frameworkID else { return }
        guard acknowledgements.allSatisfy({ $0.frameworkID == frameworkID }) else {
            throw MasterError.invalidRequest("acknowledgements of one call must all come from one framework")
        }
        _ = try subscribed(frameworkID)
        var unknownAgent: AgentID?
        for acknowledgement in acknowledgements {
            guard state.agents[acknowledgement.agentID] != nil else {
                unknownAgent = unknownAgent ?? acknowledgement.agentID
                continue
            }
            toAgent(acknowledgement.agentID, batching: acknowledgement, "acknowledge") { try await $0.acknowledge($1) }
            // A terminal task whose final update is acknowledged is forgotten (Mesos moves it to completed tasks).
            if let task = state.tasks[frameworkID]?[acknowledgement.taskID], task.state.isTerminal,
               !task.holdsResources, task.latest.uuid == acknowledgement.uuid {
                state.removeTask(acknowledgement.taskID, of: frameworkID)
                state.completedTasks.append(task)
            }
        }
        if let unknownAgent { throw MasterError.agentNotRegistered(unknownAgent) }
    }

    public distributed func kill(_ request: KillRequest) async throws {
        _ = try subscribed(request.frameworkID)
        guard let task = state.tasks[request.frameworkID]?[request.taskID] else {
            // Unknown task: answered as reconciliation would (UNKNOWN, which LOST for frameworks that are not
            // partition-aware).
            report(masterStatus(request.taskID, .unknown, reason: .taskUnknown,
                                message: "task \(request.taskID) is unknown to the master", agentID: request.agentID),
                   to: request.frameworkID)
            return
        }
        guard !task.state.isTerminal else { return }
        var forwarded = request
        forwarded.agentID = task.agentID
        let sent = forwarded
        toAgent(task.agentID, "killTask") { try await $0.killTask(sent) }
    }

    public distributed func reconcile(_ request: ReconcileRequest) async throws {
        _ = try subscribed(request.frameworkID)
        let known = state.tasks[request.frameworkID] ?? [:]
        var answers: [TaskStatus] = []
        if request.isImplicit {
            answers = known.values.sorted { $0.info.taskID < $1.info.taskID }.map(\.latest)
        } else {
            for entry in request.tasks {
                if let task = known[entry.taskID] {
                    answers.append(task.latest)
                } else if let agentID = entry.agentID, state.agents[agentID]?.state == .unreachable {
                    answers.append(masterStatus(entry.taskID, .unreachable, reason: .reconciliation, message: nil,
                                                agentID: agentID))
                } else {
                    answers.append(masterStatus(entry.taskID, .unknown, reason: .reconciliation,
                                                message: "task \(entry.taskID) is unknown to the master",
                                                agentID: entry.agentID))
                }
            }
        }
        for var answer in answers {
            answer.reason = .reconciliation
            answer.uuid = nil
            answer.source = .master
            answer.timestamp = configuration.wallClock()
            report(answer, to: request.frameworkID)
        }
    }

    public distributed func executorExited(_ notice: ExecutorExited) async throws {
        guard state.agents[notice.agentID]?.state == .active else { throw MasterError.agentNotRegistered(notice.agentID) }
        touch(notice.agentID)
        if let executor = state.agents[notice.agentID]?.executors[notice.frameworkID]?
            .removeValue(forKey: notice.executorID), executor.holdsResources {
            recover(executor.info.resources, framework: notice.frameworkID, agent: notice.agentID, role: executor.role,
                    filter: nil)
        }
        toScheduler(notice.frameworkID, "failure") {
            try await $0.failure(agentID: notice.agentID, executorID: notice.executorID, status: notice.status)
        }
        allocateIfPending()
    }
}
