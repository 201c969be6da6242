import KeelCore

/// Why a RESERVE or UNRESERVE operation (or an empty LAUNCH_GROUP) in an accept was refused; the accept's other
/// operations still apply. Produced by ``LaunchValidator``.
public struct OperationError: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    /// What is wrong.
    public enum Problem: Sendable, Hashable, Codable {
        /// The operation names no resources (or, for LAUNCH_GROUP, no tasks).
        case empty
        /// A resource carries no dynamic reservation.
        case notDynamicallyReserved(String)
        /// A reservation is for another role than the offers' allocation role.
        case wrongRole(reserved: Role, allocation: Role)
        /// A reservation names another principal than the framework's.
        case wrongPrincipal(reserved: String?, framework: String?)
        /// The offers do not hold the resources the operation needs.
        case insufficientResources(needed: Resources, available: Resources)
    }

    /// Mesos' operation type name (``Operation/typeName``).
    public var operation: String
    /// What is wrong.
    public var problem: Problem

    /// An error.
    public init(operation: String, problem: Problem) {
        self.operation = operation
        self.problem = problem
    }

    /// E.g. `RESERVE refused: reservation for role 'b' but the offers are allocated to 'a'`.
    public var description: String {
        let why = switch problem {
        case .empty: "it names nothing"
        case .notDynamicallyReserved(let resource): "\(resource) is not dynamically reserved"
        case .wrongRole(let reserved, let allocation):
            "reservation for role '\(reserved)' but the offers are allocated to '\(allocation)'"
        case .wrongPrincipal(let reserved, let framework):
            "reservation principal '\(reserved ?? "none")' is not the framework's '\(framework ?? "none")'"
        case .insufficientResources(let needed, let available):
            "needs \(needed) but only \(available.isEmpty ? "nothing" : available.description) is left in the offers"
        }
        return "\(operation) refused: \(why)"
    }
}
