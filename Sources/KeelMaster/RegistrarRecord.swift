import KeelActors
import KeelCodec
import KeelCore
import KeelProtocol
import KeelStorage

/// One operation the ``Registrar`` appends to the master's ``StateStore`` (a record of the log).
///
/// Records are idempotent state assignments, so replaying one twice leaves the same registry. Times are wall-clock
/// seconds since the Unix epoch (``MasterConfiguration/wallClock``): the monotonic clock does not survive a restart.
public enum RegistrarRecord: Sendable, Hashable, Codable {
    /// The agent was admitted (registered or re-registered) with `info` and its ``AgentService`` actor.
    case admitted(AgentID, info: KeelProtocol.AgentInfo, actor: ActorID)
    /// The agent was marked unreachable at `time`.
    case unreachable(AgentID, time: Double)
    /// The agent was removed for good (unregistered or marked gone) at `time`.
    case gone(AgentID, time: Double)
    /// Role weights were set (weight 1 removes a role's entry).
    case weights([RoleWeight])
    /// A role's quota was set (an empty quota removes it).
    case quota(RoleQuota)

    /// The agent the record is about, if it is about one.
    public var agentID: AgentID? {
        switch self {
        case .admitted(let id, _, _), .unreachable(let id, _), .gone(let id, _): id
        case .weights, .quota: nil
        }
    }
}

/// What the registrar remembers of one agent.
public struct RegisteredAgent: Sendable, Hashable, Codable {
    /// Where the agent stands.
    public enum Status: String, Sendable, Hashable, Codable {
        /// Admitted: expected to re-register after a master restart.
        case admitted
        /// Marked unreachable (``RegisteredAgent/since`` says when).
        case unreachable
        /// Removed for good: refused with ``MasterError/agentGone(_:)``.
        case gone
    }

    /// The agent's ID.
    public var id: AgentID
    /// What the agent declared when last admitted.
    public var info: KeelProtocol.AgentInfo
    /// Its ``AgentService`` actor when last admitted.
    public var actor: ActorID
    /// Its status.
    public var status: Status
    /// Wall-clock seconds of the last move to unreachable or gone; `nil` while admitted.
    public var since: Double?
}

/// The registrar's contents: every agent the master ever admitted, by ID, plus role weights and quotas. It is also
/// the snapshot format.
///
/// Agents are kept by ID, so applying a record costs O(1) whatever the cluster size; they are encoded as an array
/// sorted by ID, so the snapshot does not depend on dictionary order.
public struct Registry: Sendable, Hashable, Codable {
    /// The snapshot format this build writes; it also reads ``oldestReadableFormatVersion`` and later.
    public static let currentFormatVersion = 2
    /// The oldest snapshot format this build reads (version 1 had no weights or quotas).
    public static let oldestReadableFormatVersion = 1
    /// The snapshot's format version.
    public var formatVersion: Int = Registry.currentFormatVersion
    private var byID: [AgentID: RegisteredAgent] = [:]
    /// Roles with a weight other than 1, sorted by role.
    public private(set) var weights: [RoleWeight] = []
    /// Roles with a quota, sorted by role.
    public private(set) var quotas: [RoleQuota] = []

    /// Agents sorted by ID.
    public var agents: [RegisteredAgent] { byID.values.sorted { $0.id < $1.id } }
    /// How many entries (agents, weights, quotas) a snapshot of it holds.
    public var entryCount: Int { byID.count + weights.count + quotas.count }

    /// An empty registry.
    public init() {}

    private enum CodingKeys: String, CodingKey { case formatVersion, agents, weights, quotas }

    /// Decodes a snapshot of any readable version (fields a version lacks are empty).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        formatVersion = try container.decode(Int.self, forKey: .formatVersion)
        for agent in try container.decode([RegisteredAgent].self, forKey: .agents) { byID[agent.id] = agent }
        weights = try container.decodeIfPresent([RoleWeight].self, forKey: .weights) ?? []
        quotas = try container.decodeIfPresent([RoleQuota].self, forKey: .quotas) ?? []
    }

    /// Encodes the snapshot (agents sorted by ID).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(formatVersion, forKey: .formatVersion)
        try container.encode(agents, forKey: .agents)
        try container.encode(weights, forKey: .weights)
        try container.encode(quotas, forKey: .quotas)
    }

    /// The agent with `id`, if known.
    public subscript(id: AgentID) -> RegisteredAgent? { byID[id] }

    /// Checks that `records`, applied in order, would all be accepted by ``apply(_:)``, without changing anything;
    /// `alsoAdmitted` counts as admitted already (records written ahead of these in the same batch).
    public func check(_ records: [RegistrarRecord], alsoAdmitted: Set<AgentID> = []) throws(RegistrarError) {
        // Not merged into one set: `alsoAdmitted` grows with a batch, and a copy of it per caller was quadratic.
        var admitted = Set<AgentID>()
        for record in records {
            switch record {
            case .admitted(let id, _, _): admitted.insert(id)
            case .unreachable(let id, _), .gone(let id, _):
                guard byID[id] != nil || admitted.contains(id) || alsoAdmitted.contains(id) else {
                    throw .unknownAgent(id, record: String(describing: record))
                }
            case .weights, .quota: break
            }
        }
    }

    /// Applies one record. A record about an agent that was never admitted is refused (the log is inconsistent).
    public mutating func apply(_ record: RegistrarRecord) throws(RegistrarError) {
        switch record {
        case .admitted(let id, let info, let actor):
            // Gone is terminal: a late admission record (a re-registration racing a removal) changes nothing.
            if byID[id]?.status == .gone { return }
            byID[id] = RegisteredAgent(id: id, info: info, actor: actor, status: .admitted, since: nil)
        case .weights(let changes):
            for change in changes {
                weights.removeAll { $0.role == change.role }
                if change.weight != 1 { weights.append(change) }
            }
            weights.sort { $0.role < $1.role }
        case .quota(let quota):
            quotas.removeAll { $0.role == quota.role }
            if !quota.isEmpty {
                quotas.append(quota)
                quotas.sort { $0.role < $1.role }
            }
        case .unreachable(let id, let time), .gone(let id, let time):
            guard var agent = byID[id] else { throw .unknownAgent(id, record: String(describing: record)) }
            if agent.status == .gone { return }
            agent.status = { if case .gone = record { .gone } else { .unreachable } }()
            agent.since = time
            byID[id] = agent
        }
    }
}

/// Why the registrar could not recover or write; the master refuses to serve after a recovery error.
public enum RegistrarError: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    /// The store's snapshot is not a registry this build reads.
    case corruptSnapshot(reason: String)
    /// Record `index` (0-based, after the snapshot) is not a ``RegistrarRecord``.
    case corruptRecord(index: Int, bytes: Int, reason: String)
    /// The snapshot's format version is not one this build reads.
    case unsupportedSnapshotVersion(found: Int, supported: Int)
    /// A record changes an agent the registry never admitted.
    case unknownAgent(AgentID, record: String)
    /// The state store failed (recover, append or compact).
    case storage(operation: String, reason: String)
    /// An earlier recovery failed; the master does not serve.
    case recoveryFailed(String)

    /// A human-readable description naming what failed and where.
    public var description: String {
        switch self {
        case .corruptSnapshot(let reason): "registrar snapshot is corrupt: \(reason)"
        case .corruptRecord(let index, let bytes, let reason):
            "registrar record \(index) after the snapshot (\(bytes) bytes) is corrupt: \(reason)"
        case .unsupportedSnapshotVersion(let found, let supported):
            "registrar snapshot has format version \(found); this build reads version \(supported)"
        case .unknownAgent(let id, let record):
            "registrar log is inconsistent: \(record) changes agent \(id), which was never admitted"
        case .storage(let operation, let reason): "registrar state store \(operation) failed: \(reason)"
        case .recoveryFailed(let reason): "the master refuses to serve: registrar recovery failed: \(reason)"
        }
    }
}

/// Encoding of records and snapshots with KeelCodec.
enum RegistrarCodec {
    static func encode(_ record: RegistrarRecord) throws -> [UInt8] { try BinaryEncoder().encode(record) }
    static func encode(_ registry: Registry) throws -> [UInt8] { try BinaryEncoder().encode(registry) }

    /// Folds a recovered store into a registry, with a precise error for the first bad snapshot or record.
    static func registry(from recovered: RecoveredState) throws(RegistrarError) -> Registry {
        var registry = Registry()
        if let snapshot = recovered.snapshot {
            do { registry = try BinaryDecoder().decode(Registry.self, from: snapshot) } catch {
                throw .corruptSnapshot(reason: String(describing: error))
            }
            guard (Registry.oldestReadableFormatVersion...Registry.currentFormatVersion).contains(registry.formatVersion)
            else {
                throw .unsupportedSnapshotVersion(found: registry.formatVersion, supported: Registry.currentFormatVersion)
            }
            registry.formatVersion = Registry.currentFormatVersion
        }
        for (index, bytes) in recovered.records.enumerated() {
            let record: RegistrarRecord
            do { record = try BinaryDecoder().decode(RegistrarRecord.self, from: bytes) } catch {
                throw .corruptRecord(index: index, bytes: bytes.count, reason: String(describing: error))
            }
            try registry.apply(record)
        }
        return registry
    }
}
