// keel-bench: Keel's benchmarks. Each prints its figure beside a reference measured in the same
// run (or a published peer figure) and the ratio; `--json` prints one JSON object instead.
import Foundation

let usage = """
    usage: keel-bench <benchmark> [--json] [options]

    benchmarks:
      rpc         actor-call round trip and throughput between two processes over loopback TCP,
                  against a bare socket ping-pong of the same payload (options: --quick)
      allocator   allocation cycle time over Mesos' DeclineOffers grid (options: --quick)
      isolation   Linux containerizer launch+wait+destroy of /bin/true against the cgroup floor (root; --quick)
      launch      /bin/true tasks through a master, an agent and a framework in three processes over TCP,
                  against a posix_spawn + waitpid loop (options: --quick, --tasks N, --latency-tasks N,
                  --isolation posix|linux)
      scale       launch overhead with 50,000 emulated agents and 200 frameworks in one process, against the
                  Mesos paper's figure (options: --quick, --agents N, --frameworks N, --seconds N,
                  --compression N, --tasks-per-framework N)
    """

let arguments = Array(CommandLine.arguments.dropFirst())
do {
    switch arguments.first {
    case "rpc":
        try await RPCBenchmark.run(arguments: Array(arguments.dropFirst()))
    case "allocator":
        try AllocatorBenchmark.run(arguments: Array(arguments.dropFirst()))
    case "isolation":
        try await IsolationFloor.run(arguments: Array(arguments.dropFirst()))
    case "launch":
        try await LaunchBenchmark.run(arguments: Array(arguments.dropFirst()))
    case "scale":
        try await ScaleBenchmark.run(arguments: Array(arguments.dropFirst()))
    case "node":
        try await ClusterNode.run(arguments: Array(arguments.dropFirst()))
    case "-h", "--help", "help":
        print(usage)
    default:
        FileHandle.standardError.write(Data((usage + "\n").utf8))
        exit(2)
    }
} catch {
    FileHandle.standardError.write(Data("keel-bench: \(error)\n".utf8))
    exit(1)
}
