import Foundation
import KeelConfig
import KeelContainer
import KeelCore
import Testing

private func master(_ json: String) throws -> MasterFileConfiguration {
    try MasterFileConfiguration(json: Data(json.utf8), file: "master.json")
}

private func agent(_ json: String) throws -> AgentFileConfiguration {
    try AgentFileConfiguration(json: Data(json.utf8), file: "agent.json")
}

/// The message a parse of `json` fails with.
private func masterError(_ json: String) -> String? {
    do { _ = try master(json) } catch { return "\(error)" }
    return nil
}

private func agentError(_ json: String) -> String? {
    do { _ = try agent(json) } catch { return "\(error)" }
    return nil
}

private func secretFile(_ contents: String) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("keel-secret-\(UUID().uuidString)").path
    try Data(contents.utf8).write(to: URL(fileURLWithPath: path))
    return path
}

@Suite("Master config files")
struct MasterConfigFileTests {
    @Test func defaults() throws {
        let config = try master("{}")
        #expect(config == MasterFileConfiguration())
        #expect(config.host == "127.0.0.1" && config.port == 5050 && config.advertisedHost == nil)
        #expect(config.clusterName == "keel" && config.sharedSecret == nil && config.sharedSecretFile == nil)
        #expect(config.allocationInterval == .seconds(1) && config.agentPingTimeout == .seconds(75))
        #expect(config.policy.rawValue == "hierarchicalDRF" && "\(config.logLevel)" == "info")
    }

    @Test func everyField() throws {
        let secret = try secretFile("s3cret\n")
        defer { try? FileManager.default.removeItem(atPath: secret) }
        let config = try master("""
            { "host": "0.0.0.0", "port": 6060, "advertisedHost": "10.0.0.1", "clusterName": "prod",
              "sharedSecretFile": "\(secret)", "allocationInterval": "250ms", "agentPingTimeout": 30,
              "policy": "strictPriority", "logLevel": "debug", "stateDirectory": "/var/lib/keel",
              "agentReregistrationTimeout": "2m", "unreachableAgentMaxAge": "1h" }
            """)
        #expect(config.stateDirectory == "/var/lib/keel")
        #expect(config.host == "0.0.0.0" && config.port == 6060 && config.advertisedHost == "10.0.0.1")
        #expect(config.clusterName == "prod" && config.sharedSecretFile == secret && config.sharedSecret == Array("s3cret".utf8))
        #expect(config.allocationInterval == .milliseconds(250) && config.agentPingTimeout == .seconds(30))
        #expect(config.policy.rawValue == "strictPriority" && "\(config.logLevel)" == "debug")

        let system = config.actorSystemConfiguration()
        #expect(system.host == "0.0.0.0" && system.port == 6060 && system.advertisedHost == "10.0.0.1")
        #expect(system.clusterName == "prod" && system.sharedSecret == Array("s3cret".utf8) && system.name == "master")
        let settings = config.masterConfiguration()
        #expect(settings.allocationInterval == .milliseconds(250) && settings.agentPingTimeout == .seconds(30))
        #expect(settings.agentPingInterval == .seconds(6) && settings.allocationPolicy.rawValue == "strictPriority")
        #expect(settings.agentReregistrationTimeout == .seconds(120) && settings.unreachableAgentMaxAge == .seconds(3600))
    }

    @Test func stateDirectoryMustBeAbsolute() {
        #expect(masterError(#"{"stateDirectory": "var/keel"}"#) == """
            master.json: key "stateDirectory": expected an absolute path, got "var/keel"
            """)
    }

    @Test func durationForms() throws {
        #expect(try master(#"{"allocationInterval": "1.5s"}"#).allocationInterval == .milliseconds(1500))
        #expect(try master(#"{"allocationInterval": "2m"}"#).allocationInterval == .seconds(120))
        #expect(try master(#"{"agentPingTimeout": "1h"}"#).agentPingTimeout == .seconds(3600))
        #expect(try master(#"{"agentPingTimeout": 0.5}"#).agentPingTimeout == .milliseconds(500))
    }

    @Test func rejectsUnknownKey() {
        #expect(masterError(#"{"prot": 1}"#) == """
            master.json: key "prot": unknown key (known keys: host, port, advertisedHost, clusterName, sharedSecretFile, \
            allocationInterval, agentPingTimeout, policy, logLevel, stateDirectory, agentReregistrationTimeout, \
            unreachableAgentMaxAge)
            """)
    }

    @Test func rejectsBadValues() throws {
        #expect(masterError(#"{"port": "5050"}"#) == #"master.json: key "port": expected an integer 0–65535, got "5050""#)
        #expect(masterError(#"{"port": 70000}"#) == #"master.json: key "port": expected an integer 0–65535, got 70000"#)
        #expect(masterError(#"{"port": 50.5}"#) == #"master.json: key "port": expected an integer 0–65535, got 50.5"#)
        #expect(masterError(#"{"host": 1}"#) == #"master.json: key "host": expected a string, got 1"#)
        #expect(masterError(#"{"host": ""}"#) == #"master.json: key "host": must not be empty"#)
        #expect(masterError(#"{"clusterName": ["a"]}"#) == #"master.json: key "clusterName": expected a string, got an array"#)
        #expect(masterError(#"{"allocationInterval": "fast"}"#) == """
            master.json: key "allocationInterval": expected a positive duration such as 5, "100ms", "1.5s", "2m" or "1h", got "fast"
            """)
        #expect(masterError(#"{"agentPingTimeout": -1}"#) == """
            master.json: key "agentPingTimeout": expected a positive duration such as 5, "100ms", "1.5s", "2m" or "1h", got -1
            """)
        #expect(masterError(#"{"policy": "fifo"}"#) == """
            master.json: key "policy": expected one of hierarchicalDRF, strictPriority, weightedRandom, got "fifo"
            """)
        #expect(masterError(#"{"logLevel": "loud"}"#) == """
            master.json: key "logLevel": expected one of trace, debug, info, notice, warning, error, critical, got "loud"
            """)
        #expect(masterError(#"{"sharedSecretFile": "/nonexistent/keel-secret"}"#)
            == #"master.json: key "sharedSecretFile": cannot read /nonexistent/keel-secret"#)
        let empty = try secretFile("\n")
        defer { try? FileManager.default.removeItem(atPath: empty) }
        #expect(masterError(#"{"sharedSecretFile": "\#(empty)"}"#) == #"master.json: key "sharedSecretFile": \#(empty) is empty"#)
    }

    @Test func rejectsMalformedFiles() {
        #expect(masterError("{") == "master.json: not valid JSON")
        #expect(masterError("[1]") == "master.json: expected a JSON object at the top level, got an array")
        #expect(throws: ConfigError(file: "/nonexistent/master.json", message: "cannot read the file")) {
            try MasterFileConfiguration(contentsOf: "/nonexistent/master.json")
        }
    }

    @Test func nullMeansDefault() throws {
        #expect(try master(#"{"port": null, "advertisedHost": null}"#) == MasterFileConfiguration())
    }
}

@Suite("Agent config files")
struct AgentConfigFileTests {
    @Test func defaults() throws {
        let config = try agent("{}")
        #expect(config == AgentFileConfiguration())
        #expect(config.master.description == "127.0.0.1:5050" && config.host == "127.0.0.1" && config.port == 0)
        #expect(config.advertisedHost == nil && config.clusterName == "keel" && config.sharedSecret == nil)
        #expect(config.workDirectory.hasSuffix("keel-agent") && config.hostname == nil)
        #expect(config.resources == Resources() && config.attributes == Attributes() && config.detectResources)
        #expect(config.killGracePeriod == .seconds(3) && "\(config.logLevel)" == "info")
    }

    @Test func everyField() throws {
        let secret = try secretFile("abc")
        defer { try? FileManager.default.removeItem(atPath: secret) }
        let config = try agent("""
            { "master": "10.0.0.1:5050", "host": "0.0.0.0", "port": 5051, "advertisedHost": "10.0.0.2",
              "clusterName": "prod", "sharedSecretFile": "\(secret)", "workDirectory": "/var/lib/keel",
              "hostname": "node7", "resources": "cpus:4;mem:8192", "attributes": "rack:r1;zone:a",
              "detectResources": false, "killGracePeriod": "10s", "logLevel": "warning" }
            """)
        #expect(config.master.description == "10.0.0.1:5050" && config.host == "0.0.0.0" && config.port == 5051)
        #expect(config.advertisedHost == "10.0.0.2" && config.clusterName == "prod" && config.sharedSecret == Array("abc".utf8))
        #expect(config.workDirectory == "/var/lib/keel" && config.hostname == "node7")
        #expect(config.resources == (try Resources.parse("cpus:4;mem:8192")) && config.resourcesText == "cpus:4;mem:8192")
        #expect(config.attributes == (try Attributes.parse("rack:r1;zone:a")) && config.attributesText == "rack:r1;zone:a")
        #expect(!config.detectResources && config.killGracePeriod == .seconds(10) && "\(config.logLevel)" == "warning")

        let system = config.actorSystemConfiguration()
        #expect(system.host == "0.0.0.0" && system.port == 5051 && system.advertisedHost == "10.0.0.2")
        #expect(system.clusterName == "prod" && system.sharedSecret == Array("abc".utf8) && system.name == "agent")
        let settings = config.agentConfiguration()
        #expect(settings.master.description == "10.0.0.1:5050" && settings.workDirectory == "/var/lib/keel")
        #expect(settings.hostname == "node7" && settings.resources == config.resources && settings.attributes == config.attributes)
        #expect(!settings.detectResources && settings.killGracePeriod == .seconds(10))
    }

    @Test func emptyResourceTextMeansNone() throws {
        let config = try agent(#"{"resources": "", "attributes": ""}"#)
        #expect(config.resources == Resources() && config.attributes == Attributes())
    }

    @Test func rejectsUnknownKey() {
        #expect(agentError(#"{"resources": "cpus:1", "cpus": 2}"#) == """
            agent.json: key "cpus": unknown key (known keys: master, host, port, advertisedHost, clusterName, \
            sharedSecretFile, workDirectory, hostname, resources, attributes, detectResources, killGracePeriod, logLevel, \
            isolation)
            """)
    }

    @Test func isolation() throws {
        #expect(try agent("{}").isolation == .auto)
        #expect(try agent(#"{"isolation": "linux"}"#).agentConfiguration().isolation == .linux)
        #expect(try agent(#"{"isolation": "posix"}"#).isolation == .posix)
        #expect(agentError(#"{"isolation": "docker"}"#) == #"agent.json: key "isolation": expected auto, linux or posix, got "docker""#)
    }

    @Test func rejectsBadResourceText() throws {
        var parseError = ""
        do { _ = try Resources.parse("cpus:lots") } catch { parseError = "\(error)" }
        #expect(!parseError.isEmpty)
        #expect(agentError(#"{"resources": "cpus:lots"}"#) == #"agent.json: key "resources": \#(parseError)"#)
        var attributeError = ""
        do { _ = try Attributes.parse("rack") } catch { attributeError = "\(error)" }
        #expect(agentError(#"{"attributes": "rack"}"#) == #"agent.json: key "attributes": \#(attributeError)"#)
        #expect(agentError(#"{"resources": 4}"#) == #"agent.json: key "resources": expected a string, got 4"#)
    }

    @Test func rejectsBadAddress() {
        #expect(agentError(#"{"master": "localhost"}"#)
            == #"agent.json: key "master": expected host:port with a port 1–65535, got "localhost""#)
        #expect(agentError(#"{"master": "host:0"}"#)
            == #"agent.json: key "master": expected host:port with a port 1–65535, got "host:0""#)
        #expect(agentError(#"{"master": ":5050"}"#)
            == #"agent.json: key "master": expected host:port with a port 1–65535, got ":5050""#)
        #expect(agentError(#"{"master": 5050}"#) == #"agent.json: key "master": expected a string, got 5050"#)
    }

    @Test func rejectsWrongTypes() {
        #expect(agentError(#"{"detectResources": "yes"}"#) == #"agent.json: key "detectResources": expected true or false, got "yes""#)
        #expect(agentError(#"{"detectResources": 1}"#) == #"agent.json: key "detectResources": expected true or false, got 1"#)
        #expect(agentError(#"{"port": true}"#) == #"agent.json: key "port": expected an integer 0–65535, got true"#)
        #expect(agentError(#"{"killGracePeriod": "3 s"}"#) == """
            agent.json: key "killGracePeriod": expected a positive duration such as 5, "100ms", "1.5s", "2m" or "1h", got "3 s"
            """)
        #expect(agentError(#"{"workDirectory": {}}"#) == #"agent.json: key "workDirectory": expected a string, got an object"#)
    }
}
