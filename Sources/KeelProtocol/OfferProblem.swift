import KeelCore

/// Why the offers named in an accept cannot be used together (see ``LaunchValidator/pool(_:frameworkID:outstanding:)``).
public enum OfferProblem: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    /// The accept names no offers.
    case noOffers
    /// The same offer is named twice.
    case duplicateOffer(OfferID)
    /// The offer is not outstanding: unknown, already used, declined, rescinded or timed out.
    case unknownOffer(OfferID)
    /// The offer was made to another framework.
    case notOwned(OfferID)
    /// The offers come from different agents.
    case differentAgents(OfferID, AgentID, AgentID)
    /// The offers are allocated to different roles.
    case differentRoles(OfferID, Role, Role)

    /// A sentence fragment naming the offer concerned.
    public var description: String {
        switch self {
        case .noOffers: "no offers given"
        case .duplicateOffer(let id): "offer \(id) is given twice"
        case .unknownOffer(let id): "offer \(id) is no longer valid"
        case .notOwned(let id): "offer \(id) belongs to another framework"
        case .differentAgents(let id, let first, let other): "offer \(id) is from agent \(other), not \(first)"
        case .differentRoles(let id, let first, let other): "offer \(id) is allocated to role \(other), not \(first)"
        }
    }
}
