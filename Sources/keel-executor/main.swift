// keel-executor: Keel's reference custom executor (see ProcessExecutor). An agent launches it for tasks whose
// executor is `.custom(CommandInfo(.argv(["/path/to/keel-executor"])))`; it reads the agent's launch environment,
// registers, runs the tasks it is given, and exits when the agent shuts it down or goes away.
import Foundation
import KeelExecutor
import KeelProtocol

do {
    let configuration = try ExecutorDriverConfiguration.fromEnvironment()
    let sandbox = ProcessInfo.processInfo.environment[ExecutorEnvironment.sandbox]
        ?? FileManager.default.currentDirectoryPath
    let system = try configuration.makeActorSystem()
    let driver = try ExecutorDriver(executor: ProcessExecutor(sandbox: sandbox), configuration: configuration,
                                    actorSystem: system)
    _ = try await driver.start()
    await driver.waitUntilStopped()
    await system.shutdown()
} catch {
    note("\(error)")
    exit(1)
}
