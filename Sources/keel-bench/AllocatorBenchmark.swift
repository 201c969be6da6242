#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import KeelAllocator
import KeelCore

/// `keel-bench allocator`: Mesos' `HierarchicalAllocator_BENCHMARK_Test.DeclineOffers` grid, reproduced.
///
/// For each (agents, frameworks) cell: register the frameworks in role `*`, add the agents (each
/// `cpus:2;mem:1024;disk:4096;ports:[31000-32000]`), then run allocation rounds in which every framework declines
/// everything it was offered with a refuse filter that never expires (Mesos uses `INT_MAX` seconds). Each round
/// times one `allocate()` and counts its offers; `cycle_ms` is the slowest measured round and `offers` that round's
/// offer count. Mesos runs `2 × frameworks` rounds (until every framework has refused every agent); we do the same
/// up to 50 frameworks and cap larger cells at 10 rounds (3 with `--quick`) so the grid finishes in seconds.
enum AllocatorBenchmark {
    /// The published Mesos 1.7.1 figure for one cycle at 10,000 agents × 1,000 frameworks.
    static let mesosReferenceMilliseconds = 1060.0

    struct Cell {
        var agents: Int
        var frameworks: Int
        var rounds: Int = 0
        var cycleMilliseconds = 0.0
        var offers = 0
        var firstMilliseconds = 0.0
        var firstOffers = 0
        var meanMilliseconds = 0.0
        var addAgentMicroseconds = 0.0
        var addFrameworkMicroseconds = 0.0
        var recoverMicroseconds = 0.0
        /// Removing each framework after the rounds (it holds the filters of its declines).
        var removeFrameworkMicroseconds = 0.0
        var peakMiB = 0.0
    }

    /// Runs the grid. `--quick` runs a small subset, `--json` prints exactly one JSON object on stdout.
    static func run(arguments: [String]) throws {
        let json = arguments.contains("--json")
        let quick = arguments.contains("--quick")
        let agentCounts = quick ? [1_000, 10_000] : [1_000, 5_000, 10_000, 20_000, 50_000]
        let frameworkCounts = quick ? [1, 50, 1_000] : [1, 50, 200, 1_000, 6_000]
        let roundLimit = quick ? 3 : 10
        let agentResources = try Resources.parse("cpus:2;mem:1024;disk:4096;ports:[31000-32000]")
        var cells: [Cell] = []
        if !json {
            print("DeclineOffers grid: each agent \(agentResources); refuse filter = forever; "
                  + "2 × frameworks rounds, at most \(roundLimit) above 50 frameworks")
            print(pad("agents", 8) + pad("frameworks", 12) + pad("rounds", 8) + pad("cycle ms", 11)
                  + pad("offers", 9) + pad("1st ms", 10) + pad("mean ms", 10) + pad("add agent µs", 14)
                  + pad("recover µs", 12) + pad("peak MiB", 10))
        }
        for agents in agentCounts {
            for frameworks in frameworkCounts {
                let cell = try measure(agents: agents, frameworks: frameworks, roundLimit: roundLimit,
                                       agentResources: agentResources)
                cells.append(cell)
                if !json {
                    print(pad("\(agents)", 8) + pad("\(frameworks)", 12) + pad("\(cell.rounds)", 8)
                          + pad(format(cell.cycleMilliseconds, 2), 11) + pad("\(cell.offers)", 9)
                          + pad(format(cell.firstMilliseconds, 2), 10) + pad(format(cell.meanMilliseconds, 2), 10)
                          + pad(format(cell.addAgentMicroseconds, 3), 14) + pad(format(cell.recoverMicroseconds, 3), 12)
                          + pad(format(cell.peakMiB, 1), 10))
                }
            }
        }
        let target = cells.first { $0.agents == 10_000 && $0.frameworks == 1_000 } ?? cells[cells.count - 1]
        let ratio = mesosReferenceMilliseconds / Swift.max(target.cycleMilliseconds, 0.001)
        let peak = peakResidentMiB()
        if json {
            let grid = cells.map {
                "{\"agents\":\($0.agents),\"frameworks\":\($0.frameworks),"
                    + "\"cycle_ms\":\(format($0.cycleMilliseconds, 3)),\"offers\":\($0.offers)}"
            }.joined(separator: ",")
            print("{\"grid\":[\(grid)],\"add_agent_us\":\(format(target.addAgentMicroseconds, 3)),"
                  + "\"recover_us\":\(format(target.recoverMicroseconds, 3)),"
                  + "\"add_framework_us\":\(format(target.addFrameworkMicroseconds, 3)),"
                  + "\"remove_framework_us\":\(format(target.removeFrameworkMicroseconds, 3)),"
                  + "\"target_cell_ms\":\(format(target.cycleMilliseconds, 3)),"
                  + "\"mesos_reference_ms\":\(Int(mesosReferenceMilliseconds)),"
                  + "\"ratio\":\(format(ratio, 2)),\"peak_rss_mib\":\(format(peak, 1))}")
        } else {
            print("")
            print("target cell \(target.agents) agents × \(target.frameworks) frameworks: "
                  + "\(format(target.cycleMilliseconds, 2)) ms per cycle (target ≤ 100 ms)")
            print("reference: Mesos 1.7.1, 10k × 1k: \(Int(mesosReferenceMilliseconds)) ms → ratio "
                  + "(Mesos / Keel) \(format(ratio, 1))×")
            print("add_agent_us \(format(target.addAgentMicroseconds, 3)), add_framework_us "
                  + "\(format(target.addFrameworkMicroseconds, 3)), recover_us "
                  + "\(format(target.recoverMicroseconds, 3)), remove_framework_us "
                  + "\(format(target.removeFrameworkMicroseconds, 3)), peak RSS (VmHWM) \(format(peak, 1)) MiB")
        }
    }

    static func measure(agents: Int, frameworks: Int, roundLimit: Int, agentResources: Resources) throws -> Cell {
        var cell = Cell(agents: agents, frameworks: frameworks)
        let clock = ManualClock()
        var allocator = HierarchicalDRFAllocator(configuration: AllocatorConfiguration(clock: clock))
        let config = FrameworkConfig(roles: [.any])
        let frameworkIDs = (0..<frameworks).map { FrameworkID("framework-\($0)") }
        let agentIDs = (0..<agents).map { AgentID("agent-\($0)") }

        var start = ContinuousClock.now
        for id in frameworkIDs { try allocator.addFramework(id, config: config) }
        cell.addFrameworkMicroseconds = microseconds(since: start) / Double(frameworks)

        let info = AgentInfo(resources: agentResources)
        start = ContinuousClock.now
        for id in agentIDs { try allocator.addAgent(id, info: info) }
        cell.addAgentMicroseconds = microseconds(since: start) / Double(agents)

        var offers: [Offer] = []
        var declines = 0
        var declineMicroseconds = 0.0
        var total = 0.0
        let rounds = frameworks <= 50 && roundLimit > 3 ? 2 * frameworks : Swift.min(2 * frameworks, roundLimit)
        for round in 0..<rounds {
            start = ContinuousClock.now
            for offer in offers {
                try allocator.recoverResources(framework: offer.frameworkID, agent: offer.agentID, role: offer.role,
                                               resources: offer.resources, filter: .forever)
            }
            declineMicroseconds += microseconds(since: start)
            declines += offers.count
            offers = []
            clock.advance(by: .seconds(1))
            start = ContinuousClock.now
            offers = allocator.allocate()
            let elapsed = microseconds(since: start) / 1000
            total += elapsed
            if round == 0 {
                cell.firstMilliseconds = elapsed
                cell.firstOffers = offers.count
            }
            if elapsed >= cell.cycleMilliseconds {
                cell.cycleMilliseconds = elapsed
                cell.offers = offers.count
            }
        }
        cell.rounds = rounds
        cell.meanMilliseconds = total / Double(Swift.max(rounds, 1))
        cell.recoverMicroseconds = declines > 0 ? declineMicroseconds / Double(declines) : 0
        cell.peakMiB = peakResidentMiB()
        start = ContinuousClock.now
        for id in frameworkIDs { try allocator.removeFramework(id) }
        cell.removeFrameworkMicroseconds = microseconds(since: start) / Double(frameworks)
        return cell
    }

    static func microseconds(since start: ContinuousClock.Instant) -> Double {
        let (seconds, attoseconds) = start.duration(to: .now).components
        return Double(seconds) * 1e6 + Double(attoseconds) / 1e12
    }

    /// `VmHWM` from `/proc/self/status` in MiB (0 where unavailable).
    static func peakResidentMiB() -> Double {
        guard let file = fopen("/proc/self/status", "r") else { return 0 }
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 256)
        while fgets(&line, Int32(line.count), file) != nil {
            let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if text.hasPrefix("VmHWM:") {
                let digits = text.filter(\.isNumber)
                return (Double(digits) ?? 0) / 1024
            }
        }
        return 0
    }

    static func format(_ value: Double, _ digits: Int) -> String {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let rounded = (value * scale).rounded() / scale
        var text = "\(rounded)"
        if text.hasSuffix(".0") && digits == 0 { text.removeLast(2) }
        return text
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }
}
