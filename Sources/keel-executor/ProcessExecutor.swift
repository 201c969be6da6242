import Foundation
import KeelContainer
import KeelCore
import KeelExecutor
import KeelProtocol

/// Keel's reference custom executor: runs each task's command — its ``TaskInfo/command`` inside a task group, else
/// its ``TaskInfo/data`` as a `/bin/sh -c` line — as a process of its own (through the POSIX
/// containerizer, under `<executor sandbox>/containers/<task>/`), reports RUNNING and the exit, kills with the
/// task's grace period, and answers every framework message by sending the same bytes back (so frameworks can
/// check the message path end to end).
actor ProcessExecutor: Executor {
    private let containerizer: PosixContainerizer
    private var running: [TaskID: ContainerID] = [:]
    private var killed: Set<TaskID> = []
    private var runs = 0

    init(sandbox: String) {
        containerizer = PosixContainerizer(configuration: PosixContainerizerConfiguration(workDirectory: sandbox))
    }

    func registered(_ driver: ExecutorDriver, _ registration: ExecutorRegistered) async {
        note("registered with agent \(registration.agentID) for framework \(registration.framework.name)")
    }

    func launchTask(_ driver: ExecutorDriver, task: TaskInfo) async {
        let command = task.command ?? CommandInfo(.shell(String(decoding: task.data, as: UTF8.self)))
        guard command.problem == nil, !task.data.isEmpty || task.command != nil, let program = Self.program(command.program) else {
            await send(driver, task.taskID, .failed, reason: .taskInvalid,
                       message: "the task carries no command (set TaskInfo.data to a shell command line)")
            return
        }
        runs += 1
        var environment: [String: String] = [:]
        for variable in command.environment { environment[variable.name] = variable.value }
        environment["KEEL_TASK_ID"] = task.taskID.value
        let containerID: ContainerID
        do {
            containerID = try ContainerID("task-\(runs)")
            _ = try await containerizer.launch(ContainerSpec(id: containerID, command: program, environment: environment))
        } catch {
            await send(driver, task.taskID, .failed, reason: .containerLaunchFailed, message: "\(error)")
            return
        }
        running[task.taskID] = containerID
        await send(driver, task.taskID, .running)
        let taskID = task.taskID
        Task { await self.awaitExit(driver, taskID, containerID) }
    }

    private func awaitExit(_ driver: ExecutorDriver, _ taskID: TaskID, _ containerID: ContainerID) async {
        guard let termination = try? await containerizer.wait(containerID) else { return }
        _ = try? await containerizer.destroy(containerID, removeSandbox: false)
        running[taskID] = nil
        let exit = ProcessExit.from(termination)
        let message = "Command " + termination.description
        if killed.remove(taskID) != nil {
            await send(driver, taskID, .killed, message: message, exit: exit)
        } else {
            await send(driver, taskID, termination.succeeded ? .finished : .failed, message: message, exit: exit)
        }
    }

    func killTask(_ driver: ExecutorDriver, taskID: TaskID, killPolicy: KillPolicy?) async {
        guard let containerID = running[taskID] else { return }
        killed.insert(taskID)
        let grace = killPolicy?.gracePeriod ?? KillPolicy.defaultGracePeriod
        _ = try? await containerizer.kill(containerID, grace: grace)
    }

    func frameworkMessage(_ driver: ExecutorDriver, data: [UInt8]) async {
        try? await driver.sendFrameworkMessage(data)
    }

    func shutdown(_ driver: ExecutorDriver) async {
        note("shutting down: killing \(running.count) task(s)")
        for (taskID, containerID) in running {
            killed.insert(taskID)
            _ = try? await containerizer.kill(containerID, grace: .seconds(1))
        }
    }

    private func send(_ driver: ExecutorDriver, _ taskID: TaskID, _ state: TaskState, reason: TaskReason? = nil,
                      message: String? = nil, exit: ProcessExit? = nil) async {
        let status = TaskStatus(taskID: taskID, state: state, reason: reason, message: message, source: .executor,
                                timestamp: Date().timeIntervalSince1970, exitStatus: exit)
        do { try await driver.sendStatusUpdate(status) } catch {
            note("could not report \(state) of \(taskID): \(error)")
        }
    }

    static func program(_ program: CommandInfo.Program) -> ContainerCommand? {
        switch program {
        case .shell(let text): return .shell(text)
        case .argv(let arguments):
            guard let executable = arguments.first else { return nil }
            return .argv(executable: executable, arguments: Array(arguments.dropFirst()))
        }
    }
}

extension ProcessExit {
    static func from(_ termination: ContainerTermination) -> ProcessExit? {
        switch termination.status {
        case .exited(let code): .exited(code: code)
        case .signaled(let signal, _): .signaled(signal: signal)
        case .unknown: nil
        }
    }
}

/// A line on standard error (the executor sandbox's `stderr`).
func note(_ text: String) {
    FileHandle.standardError.write(Data(("keel-executor: " + text + "\n").utf8))
}
