import KeelAgent
import KeelCore
import Testing

@Suite("Agent host resources")
struct HostResourcesTests {
    @Test func detectionFindsThisHost() {
        let facts = HostResources.detect(workDirectory: "/tmp")
        #expect(facts.cpus >= 1)
        #expect(facts.memoryMB > 0)
        #expect(facts.diskMB > 0)
    }

    @Test func meminfoParsing() {
        #expect(HostResources.memoryMB(fromMeminfo: "MemTotal:       24576000 kB\nMemFree: 1 kB\n") == 24000)
        #expect(HostResources.memoryMB(fromMeminfo: "MemFree: 1 kB\n") == nil)
        #expect(HostResources.memoryMB(fromMeminfo: "MemTotal: lots kB\n") == nil)
        #expect(HostResources.memoryMB(fromMeminfo: "MemTotal: 100 MB\n") == nil)
    }

    @Test func gpusAreCountedFromDeviceNodes() {
        #expect(HostResources.gpuCount(fromDeviceNames: ["nvidia0", "nvidia1", "nvidiactl", "nvidia-uvm", "nvidia-modeset", "null"]) == 2)
        #expect(HostResources.gpuCount(fromDeviceNames: ["nvidia"]) == 0)
    }

    @Test func reservesFollowMesos() throws {
        let big = HostResources.advertised(facts: HostFacts(cpus: 2, memoryMB: 24 * 1024, diskMB: 100 * 1024, gpus: 0))
        #expect(big == (try Resources.parse("cpus:2;mem:23552;disk:97280;ports:[31000-32000]")))
        let small = HostResources.advertised(facts: HostFacts(cpus: 1, memoryMB: 1024, diskMB: 4096, gpus: 1))
        #expect(small == (try Resources.parse("cpus:1;mem:512;disk:2048;ports:[31000-32000];gpus:1")))
    }

    @Test func configuredResourcesReplaceDetectedOnes() throws {
        let facts = HostFacts(cpus: 2, memoryMB: 24 * 1024, diskMB: 100 * 1024, gpus: 0)
        let configured = try Resources.parse("cpus:8;ports:[40000-40010];cpus(eng):2")
        let advertised = HostResources.advertised(facts: facts, configured: configured)
        #expect(advertised == (try Resources.parse("cpus:8;cpus(eng):2;mem:23552;disk:97280;ports:[40000-40010]")))
    }
}
