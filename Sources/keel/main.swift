// keel: the Keel command-line tool.
//
// `keel master` / `keel agent` run cluster nodes from JSON config files (KeelConfig), `keel dev` a whole
// development cluster in one process, `keel run` a one-off command task through a built-in framework;
// `keel demo` and `keel actors` are the demos.
import Foundation
import KeelConfig

let help = """
    keel — a datacenter kernel in Swift

    usage: keel <command> [options]      (keel help <command> for a command's options)

    commands:
      master     run a master from a config file until SIGINT/SIGTERM
      agent      run an agent from a config file until SIGINT/SIGTERM
      dev        run a master on 127.0.0.1:5050 and 2 agents in one process, over TCP
      run        launch a command as a task on the cluster, stream its output, exit with its exit code
      agents     list the master's agents (table or --json)
      frameworks list subscribed frameworks
      tasks      list live and recently completed tasks
      demo       run a local cluster (a master and 2 agents on loopback TCP) and a framework that
                 launches a small workload through offers, printing every task state transition
      actors     start two actor nodes on loopback TCP, call across them, watch one go down
      version    print the version
      help       show this text

    environment:
      KEEL_MASTER      the master for client commands (default 127.0.0.1:5050)
      KEEL_LOG_LEVEL   trace | debug | info | notice | warning | error | critical (default info)
    """

let commandHelp: [String: String] = [
    "master": ServeCommands.masterHelp, "agent": ServeCommands.agentHelp, "dev": ServeCommands.devHelp,
    "run": RunCommand.help, "agents": StatusCommands.agentsHelp, "frameworks": StatusCommands.frameworksHelp,
    "tasks": StatusCommands.tasksHelp,
    "demo": "usage: keel demo\n\nRuns a local cluster and a small workload, printing every task state transition.",
    "actors": "usage: keel actors\n\nShows the actor runtime: two nodes, calls across them, a watch.",
    "version": "usage: keel version", "help": "usage: keel help [command]",
]

let arguments = Array(CommandLine.arguments.dropFirst())
let command = arguments.first ?? "demo"
let options = Array(arguments.dropFirst())
if ["master", "agent", "dev", "run", "agents", "frameworks", "tasks"].contains(command), options.contains(where: { $0 == "-h" || $0 == "--help" }),
   !(command == "run" && options.firstIndex(of: "--").map { index in !options[..<index].contains { $0 == "-h" || $0 == "--help" } } ?? false) {
    print(commandHelp[command] ?? help)
    exit(0)
}

/// Runs one command, mapping usage errors to exit 2 and every other error to exit 1.
func perform(_ name: String, _ body: () async throws -> Int32) async -> Int32 {
    do {
        return try await body()
    } catch let error as UsageError {
        printError("keel \(name): \(error.message)\n\n\(commandHelp[name] ?? help)")
        return 2
    } catch let error as ConfigError {
        printError("keel \(name): \(error)")
        return 2
    } catch {
        printError("keel \(name): \(error)")
        return 1
    }
}

switch command {
case "master": exit(await perform(command) { try await ServeCommands.master(options); return 0 })
case "agent": exit(await perform(command) { try await ServeCommands.agent(options); return 0 })
case "dev": exit(await perform(command) { try await ServeCommands.dev(options); return 0 })
case "run": exit(await perform(command) { try await RunCommand.run(options) })
case "agents", "frameworks", "tasks": exit(await perform(command) { try await StatusCommands.run(command, options); return 0 })
case "demo": exit(await perform(command) { try await ClusterDemo.run(); return 0 })
case "actors": exit(await perform(command) { try await actorsDemo(); return 0 })
case "version", "--version":
    print("keel 0.1.0 (wire protocol \(1))")
case "help", "-h", "--help":
    if let name = options.first {
        guard let text = commandHelp[name] else {
            printError("keel help: unknown command \(name)\n\n\(help)")
            exit(2)
        }
        print(text)
    } else {
        print(help)
    }
default:
    printError("keel: unknown command \(command)\n\n\(help)")
    exit(2)
}
