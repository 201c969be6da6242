import Foundation
import KeelConfig
import Testing

/// The configs shipped in `Examples/` must stay valid as the format evolves.
@Suite("Example configs")
struct ExampleConfigTests {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Examples/two-hosts")

    @Test func theTwoHostExampleParses() throws {
        let master = try MasterFileConfiguration(contentsOf: Self.examples.appendingPathComponent("master.json").path)
        #expect(master.port == 5050)
        #expect(master.clusterName == "prod")
        let agent = try AgentFileConfiguration(contentsOf: Self.examples.appendingPathComponent("agent.json").path)
        #expect(agent.master.description == "10.0.0.1:5050")
        #expect(agent.clusterName == master.clusterName)
    }
}
