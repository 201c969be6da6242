import KeelAllocator
import KeelCore
import Testing
@testable import KeelMaster

@Suite struct AgentCheckScheduleTests {
    func at(_ seconds: Int64) -> ClockInstant { ClockInstant(nanoseconds: seconds * 1_000_000_000) }

    @Test func dueAgentsComeOutOnceInDeadlineOrderAndRescheduleReplaces() {
        var schedule = AgentCheckSchedule()
        for (agent, due) in [("c", 30), ("a", 10), ("b", 20), ("d", 40)] { schedule.schedule(AgentID(agent), at: at(Int64(due))) }
        schedule.schedule(AgentID("d"), at: at(5))   // replaces d's entry at 40
        schedule.schedule(AgentID("b"), at: at(50))  // replaces b's entry at 20
        #expect(schedule.takeDue(now: at(4)).isEmpty)
        #expect(schedule.takeDue(now: at(30)) == [AgentID("d"), AgentID("a"), AgentID("c")])
        #expect(schedule.takeDue(now: at(45)).isEmpty)  // b's stale entry at 20 was skipped
        #expect(schedule.count == 1)
        #expect(schedule.takeDue(now: at(50)) == [AgentID("b")] && schedule.count == 0)
    }

    @Test func manyAgentsDrainInOrder() {
        var schedule = AgentCheckSchedule()
        var random = SplitMix64(seed: 7)
        var expected: [(Int64, AgentID)] = []
        for n in 0..<2_000 {
            let due = Int64(random.next(below: 1_000))
            schedule.schedule(AgentID("a\(n)"), at: at(due))
            expected.append((due, AgentID("a\(n)")))
        }
        var previous: Int64 = -1
        for second in 0..<1_000 {
            let due = schedule.takeDue(now: at(Int64(second)))
            #expect(Set(due) == Set(expected.filter { $0.0 == Int64(second) }.map(\.1)))
            if !due.isEmpty { #expect(Int64(second) > previous); previous = Int64(second) }
        }
        #expect(schedule.count == 0)
    }
}
