import KeelCore

/// A framework returns offers unused (Mesos' `Call.Decline`).
public struct DeclineRequest: Sendable, Hashable, Codable {
    /// The caller.
    public var frameworkID: FrameworkID
    /// The offers returned; unknown or expired ones are ignored (they were already returned).
    public var offerIDs: [OfferID]
    /// How long not to be offered these agents' resources again.
    public var filters: Filters

    /// A decline.
    public init(frameworkID: FrameworkID, offerIDs: [OfferID], filters: Filters = Filters()) {
        self.frameworkID = frameworkID
        self.offerIDs = offerIDs
        self.filters = filters
    }
}
