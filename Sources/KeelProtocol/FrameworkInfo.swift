import KeelCore

/// What a framework declares when it subscribes (Mesos' `FrameworkInfo`).
public struct FrameworkInfo: Sendable, Hashable, Codable {
    /// The default failover timeout: one week. Mesos' default of zero kills every task of a framework the moment its
    /// scheduler disconnects; a week survives restarts, deploys and long outages, and a framework that really is
    /// gone can be torn down explicitly.
    public static let defaultFailoverTimeout: Duration = .seconds(7 * 24 * 3600)
    /// The longest failover timeout accepted: 365 days.
    public static let maximumFailoverTimeout: Duration = .seconds(365 * 24 * 3600)
    /// The longest name accepted, in UTF-8 bytes.
    public static let maximumNameBytes = 1024

    /// Set when re-subscribing after a failover; `nil` on first subscription (the master assigns one).
    public var id: FrameworkID?
    /// Display name; non-empty.
    public var name: String
    /// The roles the framework is offered resources for; non-empty and without duplicates.
    public var roles: [Role]
    /// The principal the framework authenticates as, used for reservations and authorization.
    public var principal: String?
    /// The user tasks run as by default; `nil` runs them as the agent's user.
    public var user: String?
    /// Opted-in behaviours.
    public var capabilities: Set<FrameworkCapability>
    /// How long the master keeps the framework's tasks after its scheduler disconnects before removing it and
    /// killing them. Default ``defaultFailoverTimeout``; at most ``maximumFailoverTimeout``; zero means immediately.
    public var failoverTimeout: Duration

    /// A framework description; `roles` defaults to `[*]`.
    public init(id: FrameworkID? = nil, name: String, roles: [Role] = [.any], principal: String? = nil,
                user: String? = nil, capabilities: Set<FrameworkCapability> = [],
                failoverTimeout: Duration = FrameworkInfo.defaultFailoverTimeout) {
        self.id = id
        self.name = name
        self.roles = roles
        self.principal = principal
        self.user = user
        self.capabilities = capabilities
        self.failoverTimeout = failoverTimeout
    }

    /// Whether the framework has ``FrameworkCapability/partitionAware``.
    public var isPartitionAware: Bool { capabilities.contains(.partitionAware) }

    /// Checks the fields the master relies on.
    ///
    /// - Throws: ``MasterError/invalidFrameworkInfo(field:reason:)`` naming the first bad field.
    public func validate() throws(MasterError) {
        if let id, let problem = IdentifierRules.check(id.value) {
            throw .invalidFrameworkInfo(field: "id", reason: "framework ID \(problem)")
        }
        if name.isEmpty { throw .invalidFrameworkInfo(field: "name", reason: "must not be empty") }
        if name.utf8.count > Self.maximumNameBytes {
            throw .invalidFrameworkInfo(field: "name", reason: "is longer than \(Self.maximumNameBytes) bytes")
        }
        if roles.isEmpty { throw .invalidFrameworkInfo(field: "roles", reason: "at least one role is required") }
        var seen = Set<Role>()
        for role in roles where !seen.insert(role).inserted {
            throw .invalidFrameworkInfo(field: "roles", reason: "role '\(role)' is listed twice")
        }
        if let principal, let problem = IdentifierRules.check(principal) {
            throw .invalidFrameworkInfo(field: "principal", reason: "principal \(problem)")
        }
        if failoverTimeout < .zero {
            throw .invalidFrameworkInfo(field: "failoverTimeout", reason: "must not be negative")
        }
        if failoverTimeout > Self.maximumFailoverTimeout {
            throw .invalidFrameworkInfo(field: "failoverTimeout", reason: "must not exceed 365 days")
        }
    }
}
