import KeelActors

/// Registers every error type of the contract on `system`, so they cross the wire as themselves: ``MasterError``,
/// ``AgentError``, ``ExecutorError``, ``TaskError``, ``OperationError``, ``OfferProblem``, ``TaskTransitionError`` and
/// ``AgentTransitionError``. Call it on every node (master, agents, executors, frameworks) before the first call;
/// it is idempotent. Written `KeelProtocol.registerWireTypes(on:)` by callers.
///
/// The contract's protocols take no generic parameters, so no generic substitutions need registering.
public func registerWireTypes(on system: KeelActorSystem) {
    for type in errorTypes { register(type, on: system) }
}

/// Every error type of the contract, for callers that audit registrations.
public let errorTypes: [any (Error & Codable).Type] = [
    MasterError.self, AgentError.self, ExecutorError.self, TaskError.self, OperationError.self,
    OfferProblem.self, TaskTransitionError.self, AgentTransitionError.self,
]

private func register<E: Error & Codable>(_ type: E.Type, on system: KeelActorSystem) {
    system.registerErrorType(type)
}
