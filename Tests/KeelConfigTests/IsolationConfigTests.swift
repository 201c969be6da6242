import Foundation
import KeelConfig
import KeelIsolation
import Testing

@Suite struct IsolationConfigTests {
    @Test func isolationIsReadStrictly() throws {
        #expect(try AgentFileConfiguration(json: Data("{}".utf8)).isolation == .auto)
        let linux = try AgentFileConfiguration(json: Data(#"{ "isolation": "linux" }"#.utf8))
        #expect(linux.isolation == .linux && linux.agentConfiguration().isolation == .linux)
        #expect(try AgentFileConfiguration(json: Data(#"{ "isolation": "posix" }"#.utf8)).isolation == .posix)
        do {
            _ = try AgentFileConfiguration(json: Data(#"{ "isolation": "docker" }"#.utf8), file: "agent.json")
            Issue.record("accepted an unknown isolation")
        } catch {
            #expect("\(error)".contains("isolation") && "\(error)".contains("docker"), "\(error)")
        }
    }
}
