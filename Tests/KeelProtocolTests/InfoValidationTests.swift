import KeelCore
import Testing
@testable import KeelProtocol

/// Framework and agent descriptions, filters and other small rules the master relies on.
@Suite struct InfoValidationTests {
    @Test func frameworkDefaultsAreSafe() throws {
        let info = FrameworkInfo(name: "f")
        #expect(info.failoverTimeout == .seconds(604_800))
        #expect(info.roles == [.any] && !info.isPartitionAware)
        try info.validate()
    }

    @Test func frameworkErrors() throws {
        func field(_ info: FrameworkInfo) -> MasterError? {
            do { try info.validate(); return nil } catch { return error }
        }
        #expect(field(FrameworkInfo(id: FrameworkID("a/b"), name: "f"))
            == .invalidFrameworkInfo(field: "id", reason: "framework ID contains a path separator at position 1"))
        #expect(field(FrameworkInfo(name: "")) == .invalidFrameworkInfo(field: "name", reason: "must not be empty"))
        #expect(field(FrameworkInfo(name: String(repeating: "n", count: 1025)))
            == .invalidFrameworkInfo(field: "name", reason: "is longer than 1024 bytes"))
        #expect(field(FrameworkInfo(name: "f", roles: [])) == .invalidFrameworkInfo(field: "roles", reason: "at least one role is required"))
        #expect(field(FrameworkInfo(name: "f", roles: [try Role("a"), try Role("a")]))
            == .invalidFrameworkInfo(field: "roles", reason: "role 'a' is listed twice"))
        #expect(field(FrameworkInfo(name: "f", principal: "")) == .invalidFrameworkInfo(field: "principal", reason: "principal must not be empty"))
        #expect(field(FrameworkInfo(name: "f", failoverTimeout: .seconds(-1)))
            == .invalidFrameworkInfo(field: "failoverTimeout", reason: "must not be negative"))
        #expect(field(FrameworkInfo(name: "f", failoverTimeout: .seconds(366 * 86_400)))
            == .invalidFrameworkInfo(field: "failoverTimeout", reason: "must not exceed 365 days"))
        #expect(field(FrameworkInfo(name: "f", failoverTimeout: .zero)) == nil)
        #expect(MasterError.invalidFrameworkInfo(field: "name", reason: "must not be empty").description
            == "invalid framework info: name must not be empty")
    }

    @Test func agentErrors() throws {
        let resources = try Resources.parse("cpus:1")
        func field(_ info: AgentInfo) -> MasterError? {
            do { try info.validate(); return nil } catch { return error }
        }
        #expect(field(AgentInfo(hostname: "h", resources: resources)) == nil)
        #expect(field(AgentInfo(id: AgentID(".."), hostname: "h", resources: resources))
            == .invalidAgentInfo(field: "id", reason: "agent ID must not be '..'"))
        #expect(field(AgentInfo(hostname: "", resources: resources)) == .invalidAgentInfo(field: "hostname", reason: "must not be empty"))
        #expect(field(AgentInfo(hostname: String(repeating: "h", count: 254), resources: resources))
            == .invalidAgentInfo(field: "hostname", reason: "is longer than 253 bytes"))
        #expect(field(AgentInfo(hostname: "h", resources: Resources()))
            == .invalidAgentInfo(field: "resources", reason: "an agent must offer resources"))
    }

    @Test func filters() {
        #expect(Filters().refuseDuration == .seconds(5))
        #expect(Filters(refuseSeconds: 0).refuseDuration == .zero)
        #expect(Filters(refuseSeconds: 1.2345).refuseDuration == .milliseconds(1235))
        #expect(Filters(refuseSeconds: -3).refuseDuration == .seconds(5))
        #expect(Filters(refuseSeconds: .nan).refuseDuration == .seconds(5))
        #expect(Filters(refuseSeconds: -.infinity).refuseDuration == .seconds(5))
        #expect(Filters(refuseSeconds: .infinity).refuseDuration == .seconds(Int64(Int32.max)))
        #expect(Filters(refuseSeconds: 1e300).refuseDuration == .seconds(Int64(Int32.max)))
    }

    @Test func versions() {
        #expect(ProtocolVersion.current == ProtocolVersion(major: 2, minor: 0))
        #expect(ProtocolVersion.current.isCompatible(with: ProtocolVersion(major: 2, minor: 7)))
        // 1.x sent single status updates and acknowledgements: its calls name methods 2.0 no longer has.
        #expect(!ProtocolVersion.current.isCompatible(with: ProtocolVersion(major: 1, minor: 0)))
        #expect(!ProtocolVersion.current.isCompatible(with: ProtocolVersion(major: 3, minor: 0)))
        #expect(ProtocolVersion(major: 1, minor: 2) < ProtocolVersion(major: 2, minor: 0))
        #expect(MasterError.incompatibleVersion(offered: ProtocolVersion(major: 3, minor: 1), supported: .current).description
            == "protocol version 3.1 is not compatible with the master's 2.0")
    }

    @Test func statusUpdateIDs() {
        #expect(StatusUpdateID(high: 1, low: 0xAB).description == "000000000000000100000000000000ab")
        var generator = SplitMix64(seed: 7)
        var again = SplitMix64(seed: 7)
        let first = StatusUpdateID.random(using: &generator)
        #expect(first == StatusUpdateID.random(using: &again))
        #expect(first != StatusUpdateID.random(using: &generator))
    }

    @Test func exitStatus() {
        #expect(ProcessExit.exited(code: 0).isSuccess)
        #expect(!ProcessExit.exited(code: 1).isSuccess && !ProcessExit.signaled(signal: 9).isSuccess)
        #expect(ProcessExit.signaled(signal: 9).description == "terminated by signal 9")
    }

    @Test func everyErrorTypeIsListedForRegistration() {
        let names = Set(KeelProtocol.errorTypes.map { String(reflecting: $0) })
        #expect(names == ["KeelProtocol.MasterError", "KeelProtocol.AgentError", "KeelProtocol.ExecutorError",
                          "KeelProtocol.TaskError", "KeelProtocol.OperationError", "KeelProtocol.OfferProblem",
                          "KeelProtocol.TaskTransitionError", "KeelProtocol.AgentTransitionError"])
    }
}
