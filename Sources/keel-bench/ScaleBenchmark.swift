import Foundation
import KeelMaster
import KeelTesting

/// `keel-bench scale`: the Mesos paper's scalability experiment (50,000 agents, 200 frameworks, tasks of 30 s ± 10 s)
/// in one process through ``ScaleScenario``: agents run their tasks in ``FakeContainerizer``s, time is compressed.
enum ScaleBenchmark {
    /// The paper's figure: launch overhead stays under 1 s at 50,000 agents.
    static let mesosReferenceMilliseconds = 1_000.0
    static let targetMilliseconds = 100.0
    static let targetRSSMiB = 2_048.0

    static func run(arguments: [String]) async throws {
        let json = arguments.contains("--json")
        var configuration = ScaleScenario.Configuration()
        if arguments.contains("--quick") {
            configuration.agents = 2_000
            configuration.frameworks = 20
            configuration.duration = .seconds(5)
            configuration.warmUp = .seconds(1)
        }
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            switch argument {
            case "--json", "--quick": continue
            case "--agents": configuration.agents = try positive(rest.popFirst(), argument)
            case "--frameworks": configuration.frameworks = try positive(rest.popFirst(), argument)
            case "--seconds": configuration.duration = .seconds(try positive(rest.popFirst(), argument))
            case "--compression": configuration.timeCompression = Double(try positive(rest.popFirst(), argument))
            case "--tasks-per-framework": configuration.tasksPerFramework = try positive(rest.popFirst(), argument)
            default: throw BenchError("scale: unknown option \(argument)")
            }
        }
        let result = try await ScaleScenario.run(configuration)
        guard result.failures.isEmpty else {
            throw BenchError("\(result.failures.count) task(s) failed; first: \(result.failures[0])")
        }
        let p50 = Bench.percentile(result.overheadsMilliseconds, 0.5)
        let p99 = Bench.percentile(result.overheadsMilliseconds, 0.99)
        let measured = Double(configuration.duration.components.seconds)
        let mean = configuration.taskMeanSeconds / configuration.timeCompression
        if json {
            print(Bench.json([
                ("agents", result.agents), ("frameworks", result.frameworks),
                ("launch_overhead_p50_ms", p50), ("launch_overhead_p99_ms", p99),
                ("launches_measured", result.overheadsMilliseconds.count),
                ("launches_per_s", Double(result.overheadsMilliseconds.count) / measured),
                ("master_rss_mib", result.peakRSSMiB), ("rss_growth_registering_agents_mib", result.registrationRSSGrowthMiB),
                ("registration_s", result.registrationSeconds), ("teardown_s", result.teardownSeconds),
                ("time_compression", configuration.timeCompression),
                ("resources_returned", result.resourcesReturned ? 1 : 0),
                ("offers_received", result.offersReceived), ("offer_calls", result.offerCalls),
                ("mesos_reference_ms", mesosReferenceMilliseconds), ("target_ms", targetMilliseconds),
                ("ratio", mesosReferenceMilliseconds / p50),
            ]))
        } else {
            print("scale benchmark — \(result.agents) agents, \(result.frameworks) frameworks, one process: master on one "
                  + "node, all agents on a second, all frameworks on a third (in-memory transport); tasks run in "
                  + "FakeContainerizer")
            print("  tasks: \(configuration.taskResources), \(Int(configuration.taskMeanSeconds)) s ± "
                  + "\(Int(configuration.taskSpreadSeconds)) s compressed \(Int(configuration.timeCompression))× "
                  + "(mean \(Bench.format(mean * 1000, 0)) ms); \(configuration.tasksPerFramework) in flight per framework, "
                  + "which keeps every offer it gets; "
                  + "agents \(configuration.agentResources) registered in \(Bench.format(result.registrationSeconds, 1)) s")
            print("  launch overhead (accept → RUNNING at the framework)  p50 \(Bench.format(p50, 2)) ms   p99 "
                  + "\(Bench.format(p99, 2)) ms over \(result.overheadsMilliseconds.count) launches in "
                  + "\(Int(measured)) s (target < \(Int(targetMilliseconds)) ms)")
            print("  reference: Mesos paper, 50,000 agents: < \(Int(mesosReferenceMilliseconds)) ms → ratio "
                  + "\(Bench.format(mesosReferenceMilliseconds / p50, 0))×")
            print("  peak RSS of the whole process (master + agents + frameworks) \(Bench.format(result.peakRSSMiB, 0)) MiB "
                  + "(target < \(Int(targetRSSMiB)) MiB for the master); growth while agents registered "
                  + "\(Bench.format(result.registrationRSSGrowthMiB, 0)) MiB")
            print("  offers received by frameworks: \(result.offersReceived) in \(result.offerCalls) calls; "
                  + "the master tore the \(result.frameworks) frameworks down, one after another, in "
                  + "\(Bench.format(result.teardownSeconds, 2)) s")
            print("  all resources back in the allocator after the run: \(result.resourcesReturned ? "yes" : "NO: " + result.allocationLeft)")
        }
    }

    private static func positive(_ text: String?, _ flag: String) throws -> Int {
        guard let text, let value = Int(text), value > 0 else { throw BenchError("\(flag): expected a positive integer") }
        return value
    }
}
