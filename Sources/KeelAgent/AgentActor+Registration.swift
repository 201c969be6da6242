import Foundation
import Glibc
import KeelActors
import KeelCore
import KeelIsolation
import KeelProtocol

extension AgentActor {
    /// Starts the registration loop unless it runs already, the agent is registered, or it is shutting down.
    func beginRegistration() {
        guard !shuttingDown, registration == nil, master == nil else { return }
        registration = callingTask { await self.registerUntilAdmitted() }
    }

    /// What the agent advertises: detected resources overridden by configured ones, and the configured attributes.
    func agentInfo() -> AgentInfo {
        let resources: Resources
        if configuration.detectResources {
            try? FileManager.default.createDirectory(atPath: configuration.workDirectory, withIntermediateDirectories: true)
            let facts = HostResources.detect(workDirectory: configuration.workDirectory)
            resources = HostResources.advertised(facts: facts, configured: configuration.resources)
        } else {
            resources = configuration.resources
        }
        var attributes = Array(configuration.attributes).filter { $0.name != IsolationMode.attributeName }
        attributes.append(Attribute(name: IsolationMode.attributeName, value: .text(containerizer.isolation.rawValue)))
        return AgentInfo(id: agentID, hostname: configuration.hostname ?? Self.machineHostname(), resources: resources,
                         attributes: Attributes(attributes))
    }

    /// Registers (first time) or re-registers (with every task and its latest state) until the master admits the
    /// agent, backing off between attempts. A master that says the agent is gone gets a fresh registration.
    private func registerUntilAdmitted() async {
        var backoff = Backoff(initial: configuration.registrationBackoffInitial, maximum: configuration.registrationBackoffMax)
        defer { registration = nil }
        while !shuttingDown, !Task.isCancelled {
            do {
                let master = try await actorSystem.resolve($MasterService.self, named: configuration.masterName,
                                                           at: configuration.master)
                let registered: AgentRegistered
                if agentID != nil {
                    registered = try await master.reregisterAgent(reregistration())
                } else {
                    registered = try await master.registerAgent(RegisterAgentRequest(agent: agentInfo(), actor: id))
                }
                guard !shuttingDown else { return }
                admitted(registered, by: master)
                return
            } catch MasterError.agentGone(let gone) {
                logger.warning("master says this agent is gone; registering anew", ["agent": gone])
                agentID = nil
            } catch {
                logger.info("registration with the master failed; retrying", ["master": configuration.master, "error": String(describing: error)])
            }
            do { try await clock.sleep(for: backoff.next()) } catch { return }
        }
    }

    private func reregistration() -> ReregisterAgentRequest {
        let snapshots = tasks.keys.sorted().compactMap { key in
            tasks[key].map { TaskSnapshot(frameworkID: key.frameworkID, task: $0.info, state: $0.state) }
        }
        let frameworkIDs = Set(snapshots.map(\.frameworkID))
        let known = frameworkIDs.sorted { $0.value < $1.value }.compactMap { frameworks[$0] }
        return ReregisterAgentRequest(agent: agentInfo(), actor: id, tasks: snapshots, executors: executorSnapshots,
                                      frameworks: known)
    }

    private func admitted(_ registered: AgentRegistered, by master: $MasterService) {
        let previous = agentID
        agentID = registered.agentID
        self.master = master
        let agentID = registered.agentID
        updateSender = BatchingCaller(executor: actorSystem.loop) { updates in
            try await master.statusUpdates(updates, from: agentID)
        }
        if let masterWatch { actorSystem.unwatch(masterWatch) }
        let masterID = master.id
        masterWatch = actorSystem.watch(masterID) { [weak self] _ in
            guard let self else { return }
            Task { await self.whenLocal { agent in agent.masterLost(masterID) } }
        }
        logger.info(previous == nil ? "registered with the master" : "re-registered with the master",
                    ["agent": registered.agentID, "master": configuration.master])
        flushPendingUpdates()
        for waiter in registrationWaiters { waiter.resume(returning: registered.agentID) }
        registrationWaiters.removeAll()
    }

    /// The master's actor terminated (its node went down or restarted): forget it and re-register.
    func masterLost(_ masterID: ActorID) {
        guard master?.id == masterID else { return }
        logger.warning("lost the master; re-registering", ["master": masterID])
        master = nil
        updateSender = nil
        if let masterWatch { actorSystem.unwatch(masterWatch) }
        masterWatch = nil
        for delivery in deliveries.values { delivery.cancel() }
        deliveries.removeAll()
        beginRegistration()
    }

    static func machineHostname() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "localhost" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? "localhost" : name
    }
}
