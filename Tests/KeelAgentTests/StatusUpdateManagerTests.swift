import KeelAgent
import KeelCore
import KeelProtocol
import Testing

@Suite("Status update manager")
struct StatusUpdateManagerTests {
    let framework = FrameworkID("fw")

    func update(_ task: String, _ state: TaskState, _ n: UInt64) -> StatusUpdate {
        StatusUpdate(frameworkID: framework, status: TaskStatus(taskID: TaskID(task), state: state, source: .executor,
                                                                timestamp: 0, uuid: StatusUpdateID(high: 0, low: n)))
    }

    func key(_ task: String) -> TaskKey { TaskKey(frameworkID: framework, taskID: TaskID(task)) }

    @Test func onlyTheHeadIsSentAndAcknowledgementsReleaseTheNextInOrder() {
        var manager = StatusUpdateManager()
        guard case .sendNow(let head) = manager.record(update("t", .starting, 1)) else {
            Issue.record("first update must be sent at once")
            return
        }
        #expect(head.status.uuid?.low == 1)
        #expect(manager.record(update("t", .running, 2)) == .queued)
        #expect(manager.record(update("t", .finished, 3)) == .queued)
        #expect(manager.head(of: key("t"))?.status.state == .starting)
        #expect(manager.head(of: key("t"))?.latestState == .finished)
        // Acknowledging a newer update does not skip the head.
        #expect(manager.acknowledge(key("t"), uuid: StatusUpdateID(high: 0, low: 2)) == .notHead(head: StatusUpdateID(high: 0, low: 1)))
        guard case .popped(_, let next?) = manager.acknowledge(key("t"), uuid: StatusUpdateID(high: 0, low: 1)) else {
            Issue.record("acknowledging the head must release the next update")
            return
        }
        #expect(next.status.state == .running)
        #expect(manager.acknowledge(key("t"), uuid: StatusUpdateID(high: 0, low: 1)) == .duplicate)
        #expect(manager.head(of: key("t"))?.status.state == .running)
        _ = manager.acknowledge(key("t"), uuid: StatusUpdateID(high: 0, low: 2))
        guard case .popped(let last, nil) = manager.acknowledge(key("t"), uuid: StatusUpdateID(high: 0, low: 3)) else {
            Issue.record("the terminal update is the last")
            return
        }
        #expect(last.status.state == .finished)
        #expect(!manager.hasPending(key("t")))
    }

    @Test func tasksAreIndependentAndDuplicatesIgnored() {
        var manager = StatusUpdateManager()
        #expect(manager.record(update("a", .starting, 1)) != .queued)
        #expect(manager.record(update("b", .starting, 2)) != .queued)
        #expect(manager.record(update("a", .starting, 1)) == .duplicate)
        #expect(manager.heads.map(\.status.taskID) == [TaskID("a"), TaskID("b")])
        var unmanaged = update("a", .running, 9)
        unmanaged.status.uuid = nil
        #expect(manager.record(unmanaged) == .unmanaged)
        #expect(manager.acknowledge(key("zzz"), uuid: StatusUpdateID(high: 0, low: 1)) == .unknownTask)
        _ = manager.acknowledge(key("a"), uuid: StatusUpdateID(high: 0, low: 1))
        #expect(manager.record(update("a", .starting, 1)) == .duplicate)
        #expect(manager.pending(for: key("b")).count == 1)
    }

    @Test func backoffDoublesUpToTheCap() {
        var backoff = Backoff(initial: .seconds(10), maximum: .seconds(35))
        #expect([backoff.next(), backoff.next(), backoff.next(), backoff.next()] == [.seconds(10), .seconds(20), .seconds(35), .seconds(35)])
        backoff.reset()
        #expect(backoff.next() == .seconds(10))
    }
}
