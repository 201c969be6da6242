import Foundation
import KeelActors
import KeelCore
import KeelFramework
import KeelLog
import KeelProtocol

/// `keel run`: a built-in framework that launches one command task and exits with its exit code.
enum RunCommand {
    static let help = """
        usage: keel run [--master HOST:PORT] [--cluster NAME] [--secret-file F] [--host H] [--cpus N] [--mem MB]
                        [--role R] [--agent ID] [--framework-id ID] -- COMMAND [ARG…]
               keel run --framework-id ID --attach TASK [client flags]

        Launches COMMAND as a task on the cluster, copies its stdout and stderr here as it runs, prints every state
        transition with its reason and message (on stderr), and exits with the task's exit code: 0 on TASK_FINISHED, the command's exit code on TASK_FAILED (128+signal when
        it was killed by a signal), 1 on any other terminal state. One word runs through /bin/sh -c; several words
        run directly (the first looked up in PATH). SIGINT or SIGTERM kills the task.
        \(ClientOptions.help)
          --cpus N             CPUs for the task (default 0.1)
          --mem MB             memory in MiB (default 32)
          --role R             the role to run as (default *)
          --agent ID           run on this agent only (see keel agents)
          --framework-id ID    subscribe as this existing framework (a failover: its tasks are kept)
          --attach TASK        with --framework-id: launch nothing; reconcile TASK (launched by an earlier
                               keel run that was interrupted), follow it and exit with its exit code
        """

    /// What the framework reports to the command.
    enum Event: Sendable {
        case exit(Int32)
        case signal(Int32)
        /// The task started running: its output can be followed.
        case started(TaskID)
        /// The driver subscribed.
        case subscribed
        /// No subscription within the deadline.
        case subscribeTimeout
    }

    /// How long `keel run` keeps trying to subscribe before giving up.
    static let subscribeDeadline: Duration = .seconds(30)

    /// The framework: launches on the first fitting offer, declines the rest, reports the terminal state.
    actor OneShot: Scheduler {
        let needed: Resources
        let command: CommandInfo
        let events: AsyncStream<Event>.Continuation
        private(set) var taskID: TaskID?
        private(set) var agentID: AgentID?
        private var done = false
        private var started = false

        /// Whether the task is one an earlier `keel run` launched (`--attach`): nothing is launched, the task is
        /// reconciled and followed.
        private let attaching: Bool

        /// Only offers of this agent are used (`--agent`).
        let agent: AgentID?

        init(needed: Resources, command: CommandInfo, agent: AgentID?, attach: TaskID?,
             events: AsyncStream<Event>.Continuation) {
            self.needed = needed
            self.agent = agent
            self.command = command
            self.events = events
            self.taskID = attach
            self.attaching = attach != nil
        }

        func registered(_ driver: SchedulerDriver, frameworkID: FrameworkID) async {
            note("keel run: subscribed as framework \(frameworkID.value)")
            guard attaching, let taskID else { return }
            note("keel run: attaching to \(taskID.value)")
            do { try await driver.reconcile([ReconcileRequest.Task(taskID: taskID)]) } catch {
                note("keel run: reconciliation failed: \(error)")
                events.yield(.exit(1))
            }
        }

        func resourceOffers(_ driver: SchedulerDriver, offers: [Offer]) async {
            if attaching {
                try? await driver.decline(offers.map(\.id), filters: Filters(refuseSeconds: 3600))
                return
            }
            for offer in offers {
                guard taskID == nil, offer.resources.contains(needed), agent == nil || offer.agentID == agent else {
                    try? await driver.decline([offer.id], filters: Filters(refuseSeconds: taskID == nil ? 1 : 60))
                    continue
                }
                let id = TaskID("keel-run-\(UUID().uuidString.prefix(8).lowercased())")
                let frameworkID = await driver.frameworkID?.value ?? "?"
                note("keel run: task \(id.value) (reattach with: keel run --framework-id \(frameworkID) --attach \(id.value))")
                taskID = id
                agentID = offer.agentID
                note("keel run: launching \(id.value) on \(offer.hostname) (\(needed))")
                let task = TaskInfo(name: "keel-run", taskID: id, agentID: offer.agentID, resources: needed, command: command)
                do { try await driver.launch([task], on: [offer.id]) } catch {
                    note("keel run: launch failed: \(error)")
                    events.yield(.exit(1))
                }
            }
        }

        func statusUpdate(_ driver: SchedulerDriver, status: TaskStatus) async {
            var line = "\(status.taskID.value) \(status.state)"
            if let reason = status.reason { line += " (\(reason))" }
            if let message = status.message, !message.isEmpty { line += " — \(message)" }
            if let exit = status.exitStatus { line += " [\(exit)]" }
            note("keel run: " + line)
            guard status.taskID == taskID else { return }
            if status.state == .running || status.state.isTerminal, !started {
                started = true
                events.yield(.started(status.taskID))
            }
            guard status.state.isTerminal else { return }
            done = true
            events.yield(.exit(RunCommand.exitCode(for: status)))
        }

        func error(_ driver: SchedulerDriver, message: String) async {
            guard !done else { return }
            done = true
            note("keel run: framework error: \(message)")
            events.yield(.exit(1))
        }

        /// Kills the task if it was launched; returns whether there was one.
        func kill(_ driver: SchedulerDriver) async -> Bool {
            guard let taskID else { return false }
            try? await driver.kill(taskID, agentID: agentID)
            return true
        }
    }

    /// 0 on FINISHED; the exit code (or 128+signal) on FAILED; 1 otherwise.
    static func exitCode(for status: TaskStatus) -> Int32 {
        switch status.state {
        case .finished: return 0
        case .failed:
            switch status.exitStatus {
            case .exited(let code)?: return code
            case .signaled(let signal)?: return 128 + signal
            case nil: return 1
            }
        default: return 1
        }
    }

    /// How long `keel run` waits, after the task ended, for the rest of its output.
    static let outputDrainDeadline: Duration = .seconds(10)

    /// Waits until `tail` copied the task's remaining output, at most ``outputDrainDeadline``.
    static func drain(_ tail: Task<Void, Never>) async {
        let guardTask = Task {
            try await Task.sleep(for: outputDrainDeadline)
            note("keel run: gave up waiting for the rest of the task's output after \(outputDrainDeadline)")
            tail.cancel()
        }
        await tail.value
        guardTask.cancel()
    }

    static func run(_ arguments: [String]) async throws -> Int32 {
        let flags = try Flags(arguments, known: ClientOptions.flags + ["cpus", "mem", "role", "agent", "framework-id", "attach"],
                              allowRest: true)
        let attach = flags["attach"].map(TaskID.init)
        if attach != nil {
            guard flags["framework-id"] != nil else { throw UsageError(message: "--attach needs --framework-id") }
            guard flags.rest.isEmpty else { throw UsageError(message: "--attach follows an existing task: give no command") }
        } else {
            guard !flags.rest.isEmpty, !flags.rest[0].isEmpty else { throw UsageError(message: "missing the command after --") }
        }
        let client = try ClientOptions(flags, name: "keel-run")
        let master = client.master
        let cpus = try flags.positive("cpus") ?? 0.1
        let mem = try flags.positive("mem") ?? 32
        var role = Role.any
        if let text = flags["role"] {
            do { role = try Role(text) } catch { throw UsageError(message: "flag --role: \(error)") }
        }
        let needed: Resources
        do { needed = try Resources.parse("cpus:\(cpus);mem:\(mem)") } catch {
            throw UsageError(message: "flags --cpus/--mem: \(error)")
        }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        let program: CommandInfo.Program = flags.rest.count <= 1 ? .shell(flags.rest.first ?? "true") : .argv(flags.rest)
        let command = CommandInfo(program, environment: [EnvironmentVariable(name: "PATH", value: path)])

        setenv("KEEL_LOG_LEVEL", "warning", 0)
        let signals = TerminationSignals()
        defer { signals.cancel() }
        let system = try client.makeSystem()
        let (events, continuation) = AsyncStream<Event>.makeStream()
        let signalStream = signals.stream
        let forward = Task { for await number in signalStream { continuation.yield(.signal(number)) } }
        let scheduler = OneShot(needed: needed, command: command, agent: flags["agent"].map(AgentID.init),
                                attach: attach, events: continuation)
        let framework = FrameworkInfo(id: flags["framework-id"].map(FrameworkID.init), name: "keel-run", roles: [role])
        let driver = SchedulerDriver(framework: framework, scheduler: scheduler,
                                     configuration: SchedulerDriverConfiguration(master: master), actorSystem: system)
        note("keel run: subscribing to the master at \(master)…")
        // Subscribing retries until the master answers; signals and a deadline must still end it.
        let subscribing = Task {
            if (try? await driver.start()) != nil { continuation.yield(.subscribed) }
        }
        let deadline = Task {
            try await Task.sleep(for: subscribeDeadline)
            continuation.yield(.subscribeTimeout)
        }
        var code: Int32 = 1
        var killing = false
        var subscribed = false
        var tail: Task<Void, Never>?
        for await event in events {
            switch event {
            case .started(let taskID):
                guard tail == nil, let frameworkID = await driver.frameworkID else { continue }
                do {
                    let api = try await client.operatorAPI(on: system)
                    let follower = OutputTail(api: api, frameworkID: frameworkID, taskID: taskID)
                    tail = Task { await follower.run() }
                } catch {
                    note("keel run: not following the task's output: \(error)")
                }
                continue
            case .subscribed:
                subscribed = true
                deadline.cancel()
                continue
            case .subscribeTimeout:
                if subscribed { continue }
                note("keel run: could not subscribe to the master at \(master) within \(subscribeDeadline) "
                    + "(is it running and reachable, and do --cluster / --secret-file match its configuration?)")
                code = 1
            case .exit(let value):
                code = value
                if let tail { await drain(tail) }
            case .signal(let number) where !subscribed:
                code = 128 + number
            case .signal(let number):
                if !killing, await scheduler.kill(driver) {
                    killing = true
                    note("keel run: signal \(number), killing the task")
                    continue
                }
                code = 128 + number
            }
            break
        }
        tail?.cancel()
        forward.cancel()
        subscribing.cancel()
        deadline.cancel()
        await driver.stop()
        await system.shutdown()
        return code
    }
}
