import KeelCore

/// A framework uses offers (Mesos' `Call.Accept`).
///
/// All offers must be the framework's, still valid and from one agent; their resources are pooled and the
/// operations apply to the pool in order. Whatever the operations leave unused is declined with ``filters``.
public struct AcceptRequest: Sendable, Hashable, Codable {
    /// The caller.
    public var frameworkID: FrameworkID
    /// The offers used; non-empty, no repeats.
    public var offerIDs: [OfferID]
    /// What to do with them.
    public var operations: [Operation]
    /// Applied to the unused remainder.
    public var filters: Filters

    /// An accept.
    public init(frameworkID: FrameworkID, offerIDs: [OfferID], operations: [Operation], filters: Filters = Filters()) {
        self.frameworkID = frameworkID
        self.offerIDs = offerIDs
        self.operations = operations
        self.filters = filters
    }
}
