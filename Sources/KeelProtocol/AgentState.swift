/// The master's view of an agent's lifecycle (pure; the master checks every change with ``transition(to:)``).
///
/// ```
/// registering ──admitted──▶ active ──missed pings──▶ unreachable ──re-registered──▶ active
///      │                      │                           │
///      └──refused──▶ gone ◀───┴──── shut down / marked ───┴── unreachable past its GC timeout
/// ```
/// `gone` is terminal: an agent marked gone that tries to re-register is told ``MasterError/agentGone(_:)`` and
/// must start over with a new identity.
public enum AgentState: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// A registration is being written to the registrar.
    case registering
    /// Admitted and reachable: its resources are offered.
    case active
    /// Admitted but silent past the ping timeout: its offers are rescinded, its tasks are unreachable.
    case unreachable
    /// Removed for good (shut down, marked gone by an operator, or unreachable too long).
    case gone

    /// The states reachable in one step.
    public var successors: Set<AgentState> {
        switch self {
        case .registering: [.active, .gone]
        case .active: [.unreachable, .gone]
        case .unreachable: [.active, .gone]
        case .gone: []
        }
    }

    /// Returns `next` when the move is legal.
    ///
    /// - Throws: ``AgentTransitionError``.
    public func transition(to next: AgentState) throws(AgentTransitionError) -> AgentState {
        guard successors.contains(next) else { throw AgentTransitionError(from: self, to: next) }
        return next
    }

    /// The name, e.g. `unreachable`.
    public var description: String { rawValue }
}

/// An illegal agent state change.
public struct AgentTransitionError: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    /// The current state.
    public var from: AgentState
    /// The requested state.
    public var to: AgentState

    /// An error.
    public init(from: AgentState, to: AgentState) {
        self.from = from
        self.to = to
    }

    /// E.g. `illegal agent transition gone -> active (gone is terminal)`.
    public var description: String {
        let allowed = from.successors.map(\.rawValue).sorted().joined(separator: ", ")
        return "illegal agent transition \(from) -> \(to) (\(allowed.isEmpty ? "\(from) is terminal" : "allowed: \(allowed)"))"
    }
}
