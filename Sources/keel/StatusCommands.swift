import Foundation
import KeelActors
import KeelCore
import KeelProtocol

/// `keel agents | frameworks | tasks`: tables (or JSON) of what the master holds, through its operator API.
enum StatusCommands {
    static let agentsHelp = """
        usage: keel agents [--json] [--master HOST:PORT] [--cluster NAME] [--secret-file F] [--host H]

        Lists every agent the master knows: ID, host, state, live tasks, and CPUs / memory (MiB) / disk (MiB) /
        GPUs as allocated/total.
          --json               one JSON array instead of a table
        \(ClientOptions.help)
        """

    static let frameworksHelp = """
        usage: keel frameworks [--json] [--master HOST:PORT] [--cluster NAME] [--secret-file F] [--host H]

        Lists subscribed frameworks: ID, name, roles, whether connected, live tasks, dominant share and what
        they hold.
          --json               one JSON array instead of a table
        \(ClientOptions.help)
        """

    static let tasksHelp = """
        usage: keel tasks [--framework ID] [--json] [--master HOST:PORT] [--cluster NAME] [--secret-file F] [--host H]

        Lists live tasks and the most recently completed ones: framework, task, state, agent, role, resources,
        and the latest reason or message.
          --framework ID       only this framework's tasks
          --json               one JSON array instead of a table
        \(ClientOptions.help)
        """

    /// Runs `keel <name>`.
    static func run(_ name: String, _ arguments: [String]) async throws {
        let json = arguments.contains("--json")
        let flags = try Flags(arguments.filter { $0 != "--json" }, known: ClientOptions.flags + (name == "tasks" ? ["framework"] : []))
        let client = try ClientOptions(flags, name: "keel-\(name)")
        setenv("KEEL_LOG_LEVEL", "warning", 0)
        let system = try client.makeSystem()
        let output: String
        do {
            let api = try await client.operatorAPI(on: system)
            switch name {
            case "agents":
                let agents = try await api.agents()
                output = json ? try encode(agents) : agentTable(agents)
            case "frameworks":
                let frameworks = try await api.frameworks()
                output = json ? try encode(frameworks) : frameworkTable(frameworks)
            default:
                let tasks = try await api.tasks(frameworkID: flags["framework"].map(FrameworkID.init))
                output = json ? try encode(tasks) : taskTable(tasks)
            }
        } catch let error as MasterError {
            await system.shutdown()
            throw ClientError(message: error.description)
        } catch {
            await system.shutdown()
            throw error
        }
        print(output)
        await system.shutdown()
    }

    static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// `allocated/total` of one scalar, or `-` when the agent has none.
    static func usage(_ name: String, allocated: Resources, total: Resources) -> String {
        let all = total.scalar(named: name)
        guard all > .zero else { return "-" }
        return "\(allocated.scalar(named: name))/\(all)"
    }

    static func agentTable(_ agents: [AgentSummary]) -> String {
        var table = TextTable(["ID", "HOST", "STATE", "TASKS", "CPUS", "MEM", "DISK", "GPUS"])
        for agent in agents {
            table.add([agent.id.value, agent.hostname, agent.state.rawValue, String(agent.tasks)]
                      + ["cpus", "mem", "disk", "gpus"].map { usage($0, allocated: agent.allocated, total: agent.total) })
        }
        return table.render(empty: "no agents")
    }

    static func frameworkTable(_ frameworks: [FrameworkSummary]) -> String {
        var table = TextTable(["ID", "NAME", "ROLES", "CONNECTED", "TASKS", "SHARE", "ALLOCATED"])
        for framework in frameworks {
            table.add([framework.info.id?.value ?? "-", framework.info.name,
                       framework.info.roles.map(\.description).joined(separator: ","),
                       framework.connected ? "yes" : "no", String(framework.tasks),
                       String(format: "%.3f", framework.dominantShare),
                       framework.allocated.isEmpty ? "-" : framework.allocated.description])
        }
        return table.render(empty: "no frameworks")
    }

    static func taskTable(_ tasks: [TaskSummary]) -> String {
        var table = TextTable(["FRAMEWORK", "TASK", "STATE", "AGENT", "ROLE", "RESOURCES", "REASON / MESSAGE"])
        for task in tasks {
            var detail = task.latest.reason.map(\.rawValue) ?? ""
            if let message = task.latest.message, !message.isEmpty { detail += (detail.isEmpty ? "" : ": ") + message }
            table.add([task.frameworkID.value, task.taskID.value, task.state.rawValue, task.agentID.value,
                       task.role.description, task.resources.description, detail.isEmpty ? "-" : detail])
        }
        return table.render(empty: "no tasks")
    }
}

/// A plain-text table with columns padded to their widest cell.
struct TextTable {
    private let header: [String]
    private var rows: [[String]] = []

    init(_ header: [String]) { self.header = header }

    mutating func add(_ row: [String]) { rows.append(row.map { $0.replacingOccurrences(of: "\n", with: " ") }) }

    /// The table, or `empty` when it has no rows.
    func render(empty: String) -> String {
        guard !rows.isEmpty else { return empty }
        var widths = header.map(\.count)
        for row in rows { for (index, cell) in row.enumerated() where index < widths.count { widths[index] = max(widths[index], cell.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                index == cells.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n")
    }
}
