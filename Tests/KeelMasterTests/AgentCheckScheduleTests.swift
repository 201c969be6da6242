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

    /// First pings of agents admitted at one instant are spread evenly over the interval, none later than one
    /// interval after admission, each agent's phase the same every time.
    @Test func firstPingPhasesSpreadOverTheInterval() {
        let now = at(1_000), interval = Duration.seconds(15)
        var perTenth = [Int](repeating: 0, count: 10)
        for n in 0..<10_000 {
            let agent = AgentID("20261207-0000-S\(n)")
            let reference = AgentCheckSchedule.firstPingReference(for: agent, admittedAt: now, interval: interval)
            #expect(reference == AgentCheckSchedule.firstPingReference(for: agent, admittedAt: now, interval: interval))
            let firstPing = reference.advanced(by: interval)
            #expect(firstPing > now && firstPing <= now.advanced(by: interval))
            let tenth = Int((firstPing.nanoseconds - now.nanoseconds) * 10 / 15_000_000_000)
            perTenth[min(tenth, 9)] += 1
        }
        // 1,000 expected in each tenth of the interval (binomial σ ≈ 30).
        #expect(perTenth.allSatisfy { (850...1_150).contains($0) }, "\(perTenth)")
    }
}

