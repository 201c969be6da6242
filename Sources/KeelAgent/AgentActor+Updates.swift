import KeelActors
import KeelCore
import KeelProtocol

extension AgentActor {
    /// Records a new state of a task produced by the agent's command executor and hands it to the status update
    /// manager (which sends it now, or after the updates before it are acknowledged).
    func enqueue(_ key: TaskKey, _ state: TaskState, reason: TaskReason? = nil, message: String? = nil,
                 exit: ProcessExit? = nil) {
        guard let task = tasks[key] else { return }
        let status = TaskStatus(taskID: key.taskID, state: state, reason: reason, message: message, source: .executor,
                                agentID: agentID, executorID: task.executorID, timestamp: clock.now(),
                                uuid: .random(using: &random), exitStatus: exit)
        record(StatusUpdate(frameworkID: key.frameworkID, status: status))
    }

    /// Hands an update with a uuid to the status update manager.
    func record(_ update: StatusUpdate) {
        let key = TaskKey(frameworkID: update.frameworkID, taskID: update.status.taskID)
        if let task = tasks[key], !task.state.isTerminal || update.status.state.isTerminal {
            tasks[key]?.state = update.status.state
            // A task of a custom executor that ended no longer needs its share of the executor's container.
            if !task.state.isTerminal, update.status.state.isTerminal, let executor = customExecutor(of: key) {
                resizeExecutorContainer(executor)
            }
        }
        switch updates.record(update) {
        case .sendNow(let head): startDelivery(of: head)
        case .queued: logger.debug("status update queued behind an unacknowledged one", ["task": key])
        case .duplicate: logger.debug("ignoring duplicate status update", ["task": key])
        case .unmanaged: logger.warning("status update without uuid not recorded", ["task": key])
        }
    }

    /// Sends `head` to the master now and re-sends it with backoff until it is acknowledged, no longer the head, or
    /// the master is lost (re-registration flushes every head again).
    func startDelivery(of head: StatusUpdate) {
        let key = TaskKey(frameworkID: head.frameworkID, taskID: head.status.taskID)
        deliveries[key]?.cancel()
        deliveries[key] = nil
        guard let master, let sender = updateSender, let uuid = head.status.uuid else { return }
        deliveries[key] = callingTask { await self.deliver(key, uuid: uuid, master: master, sender: sender) }
    }

    private func deliver(_ key: TaskKey, uuid: StatusUpdateID, master: $MasterService,
                         sender: BatchingCaller<StatusUpdate>) async {
        var backoff = Backoff(initial: configuration.statusUpdateRetryInitial, maximum: configuration.statusUpdateRetryMax)
        while !Task.isCancelled {
            guard let head = updates.head(of: key), head.status.uuid == uuid, self.master?.id == master.id else { return }
            do {
                try await sender.call(head)
            } catch let error as MasterError where error.meansAgentUnknown {
                // The master does not know us (it lost its state, or marked us gone): register again; the
                // re-registration flushes this update.
                logger.warning("master refused a status update; re-registering",
                               ["task": key, "error": error.description])
                masterLost(master.id)
                return
            } catch is CancellationError {
                return  // The agent is shutting down (or the delivery was superseded).
            } catch {
                logger.warning("status update not delivered; will retry",
                               ["task": key, "state": head.status.state, "error": String(describing: error)])
            }
            do { try await clock.sleep(for: backoff.next()) } catch { return }
        }
    }

    /// Applies a forwarded acknowledgement: pops the head when the uuid matches and starts the next update.
    func handleAcknowledgement(_ acknowledgement: Acknowledgement) {
        let key = TaskKey(frameworkID: acknowledgement.frameworkID, taskID: acknowledgement.taskID)
        switch updates.acknowledge(key, uuid: acknowledgement.uuid) {
        case .popped(let acknowledged, let next):
            deliveries[key]?.cancel()
            deliveries[key] = nil
            if let executor = customExecutor(of: key) {
                let taskID = key.taskID, uuid = acknowledgement.uuid
                callExecutor(executor, "acknowledged") { try await $0.acknowledged(taskID, uuid: uuid) }
            }
            if let next {
                startDelivery(of: next)
            } else if acknowledged.status.state.isTerminal {
                updates.forget(key)
                if let executor = customExecutor(of: key) { executors[executor]?.tasks.remove(key) }
                rememberCompletedSandbox(key, tasks.removeValue(forKey: key)?.sandbox)
                logger.debug("task completed and acknowledged", ["task": key])
            }
        case .duplicate:
            logger.debug("ignoring duplicate acknowledgement", ["task": key, "uuid": acknowledgement.uuid])
        case .notHead(let head):
            logger.warning("ignoring acknowledgement of an update that is not the oldest pending",
                           ["task": key, "uuid": acknowledgement.uuid, "expected": head.map(\.description) ?? "none"])
        case .unknownTask:
            logger.debug("ignoring acknowledgement for a task without pending updates", ["task": key])
        }
    }

    /// Re-sends every task's head to the (new) master, after a (re-)registration.
    func flushPendingUpdates() {
        for head in updates.heads { startDelivery(of: head) }
    }

    /// A kill for a task the agent does not know: it answers TASK_LOST with REASON_TASK_UNKNOWN (the task never ran
    /// here, so the update carries no uuid and needs no acknowledgement).
    func reportUnknownTask(_ key: TaskKey) {
        guard let master, let agentID else { return }
        let status = TaskStatus(taskID: key.taskID, state: .lost, reason: .taskUnknown,
                                message: "agent \(agentID) does not know task \(key.taskID)", source: .agent,
                                agentID: agentID, timestamp: clock.now())
        let update = StatusUpdate(frameworkID: key.frameworkID, status: status, latestState: .lost)
        callingTask { try? await master.statusUpdates([update], from: agentID) }
    }
}

extension MasterError {
    /// Whether the master no longer knows the calling agent (it must register again).
    var meansAgentUnknown: Bool {
        switch self {
        case .agentNotRegistered, .agentGone: true
        default: false
        }
    }
}
