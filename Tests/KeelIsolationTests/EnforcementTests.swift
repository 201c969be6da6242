import Foundation
import KeelContainer
@testable import KeelIsolation
import Testing

/// Each test fails if the enforcement it names is removed.
@Suite(.enabled(if: LinuxFixture.available, "needs root, cgroups and keel-launcher"))
struct EnforcementTests {
    @Test func allocatingPastTheMemoryLimitIsAnOOMKillReportedAsSuch() async throws {
        let fixture = try LinuxFixture()
        let limit: UInt64 = 64 << 20
        do {
            // tail keeps the whole newline-free input in memory: 300 MiB against a 64 MiB limit.
            let (_, termination) = try await fixture.shell(
                "oom", "head -c 300m /dev/zero | tail", resources: ContainerResources(memoryBytes: limit))
            #expect(termination.limitation == .memory(limitBytes: limit))
            #expect(termination.description.contains("memory limit of 64 MiB"))
            #expect(!termination.succeeded)
            #expect((termination.usage?.peakResidentBytes ?? .max) <= limit)
        }
        await fixture.cleanUp()
    }

    @Test func halfACPUWithAHardQuotaGetsAtMostFiftyFivePercentOfACore() async throws {
        let fixture = try LinuxFixture(hardCPUQuota: true)
        do {
            let id = try ContainerID("spin")
            _ = try await fixture.containerizer.launch(ContainerSpec(
                id: id, command: .shell("while :; do :; done"), resources: ContainerResources(cpus: 0.5)))
            try await eventually("the loop runs") { try await fixture.containerizer.usage(id).totalCPUSeconds > 0.05 }
            let before = try await fixture.containerizer.usage(id)
            try await Task.sleep(for: .seconds(2))  // the measured window, not synchronisation
            let after = try await fixture.containerizer.usage(id)
            let share = (after.totalCPUSeconds - before.totalCPUSeconds) / (after.timestamp - before.timestamp)
            print("cpus 0.5 with a hard quota: \(String(format: "%.3f", share)) of a core over \(after.timestamp - before.timestamp) s")
            #expect(share <= 0.55)
            #expect(share > 0)
            // The quota itself (a loaded machine may keep the loop below it, so the share alone cannot prove it).
            #expect(fixture.cgroupFile("spin", controller: "cpu", "cpu.cfs_quota_us") == "50000\n")
        }
        await fixture.cleanUp()
    }

    @Test func aForkBombStopsAtThePidsLimit() async throws {
        let fixture = try LinuxFixture()
        do {
            let id = try ContainerID("bomb")
            // 400 background processes, bounded so a missing limit cannot take the machine down.
            _ = try await fixture.containerizer.launch(ContainerSpec(
                id: id, command: .shell("i=0; while [ $i -lt 400 ]; do sleep 100 & i=$((i+1)); done; wait"),
                resources: ContainerResources(pids: 32)))
            try await eventually("fork refused at pids.max") {
                CgroupStatistics.keyValues(fixture.cgroupFile("bomb", controller: "pids", "pids.events") ?? "")["max"] ?? 0 > 0
            }
            let current = CgroupStatistics.number(fixture.cgroupFile("bomb", controller: "pids", "pids.current")) ?? .max
            #expect(current <= 32)
            _ = try await fixture.containerizer.destroy(id, removeSandbox: true)
            #expect(fixture.leftoverCgroups.isEmpty)
        }
        await fixture.cleanUp()
    }

    @Test func capabilitiesAreReducedToTheConfiguredSet() async throws {
        let allowed = ["CAP_KILL", "CAP_SETUID", "CAP_DAC_OVERRIDE"]
        let fixture = try LinuxFixture(capabilities: allowed)
        do {
            let script = """
                grep CapEff /proc/self/status; grep CapBnd /proc/self/status
                touch f && chown 1:1 f && echo chown-ok || echo chown-denied
                perl -e 'use Socket; socket(my $s, PF_INET, SOCK_RAW, 1) or die "raw-denied\\n"; print "raw-ok\\n"' 2>&1
                """
            let (handle, _) = try await fixture.shell("caps", script)
            let output = fixture.output(handle)
            let mask = LinuxCapabilities.mask(try LinuxCapabilities.numbers(allowed))
            #expect(output.contains("CapEff:\t\(mask)"), "\(output)")
            #expect(output.contains("CapBnd:\t\(mask)"), "\(output)")
            #expect(output.contains("chown-denied"), "\(output)")
            #expect(output.contains("raw-denied"), "\(output)")
            // The same script with both capabilities granted (per task) succeeds: the checks above are real.
            let (granted, _) = try await fixture.shell(
                "caps-granted", script, linux: LinuxContainerOptions(capabilities: ["chown", "net_raw"]))
            #expect(fixture.output(granted).contains("chown-ok"), "\(fixture.output(granted))")
            #expect(fixture.output(granted).contains("raw-ok"), "\(fixture.output(granted))")
        }
        await fixture.cleanUp()
    }

    @Test func theTaskSeesItsOwnPidNamespaceAndHostname() async throws {
        let fixture = try LinuxFixture()
        do {
            let (handle, termination) = try await fixture.shell(
                "ns", "echo $$; hostname; ls /proc | grep -E '^[0-9]+$' | tr '\\n' ' '; echo; ls /tmp | wc -l",
                linux: LinuxContainerOptions(hostname: "task-host"))
            #expect(termination.succeeded)
            let lines = fixture.output(handle).split(separator: "\n").map(String.init)
            #expect(lines.count == 4, "\(lines)")
            #expect(lines.first == "2")  // pid 1 is the launcher's init
            #expect(lines.dropFirst().first == "task-host")
            let pids = (lines.dropFirst(2).first ?? "").split(separator: " ").compactMap { Int($0) }
            #expect(!pids.isEmpty && pids.allSatisfy { $0 < 10 }, "\(pids)")
            #expect(pids.contains(1) && pids.contains(2))
        }
        await fixture.cleanUp()
    }

    /// The private /tmp must not hide a program that lives below the old /tmp (an executor built or unpacked there).
    @Test func aProgramBelowTmpStillRunsDespiteThePrivateTmp() async throws {
        let fixture = try LinuxFixture()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("keel-prog-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let program = directory + "/hello"
            // Written by a child process: no descriptor of this process ever has the program open for writing, so
            // another test's concurrent spawn cannot inherit one and make the exec fail with ETXTBSY.
            try await Self.run("/bin/sh", ["-c", #"printf '#!/bin/sh\necho hello from $0\n' > "$1" && chmod 755 "$1""#, "sh", program])
            #expect(directory.hasPrefix("/tmp/"), "the test needs a program below /tmp, got \(directory)")
            let id = try ContainerID("below-tmp")
            let handle = try await fixture.containerizer.launch(ContainerSpec(id: id, command: .argv(executable: program, arguments: [])))
            let termination = try await fixture.containerizer.wait(id)
            #expect(termination.succeeded, "\(termination)")
            #expect(fixture.output(handle) == "hello from \(program)\n")
        }
        await fixture.cleanUp()
    }

    /// Runs `executable` to its end, waiting on its termination handler; throws when it fails.
    static func run(_ executable: String, _ arguments: [String]) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch { continuation.resume(throwing: error) }
        }
        guard status == 0 else { throw FixtureError.failed("\(executable) exited with \(status)") }
    }

    @Test func isolatedNetworkHasOnlyLoopback() async throws {
        let fixture = try LinuxFixture()
        do {
            let (handle, _) = try await fixture.shell(
                "net", "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '",
                linux: LinuxContainerOptions(isolatedNetwork: true))
            #expect(fixture.output(handle).split(separator: "\n") == ["lo"], "\(fixture.output(handle))")
        }
        await fixture.cleanUp()
    }

    @Test func twoHundredLaunchesAndKillsLeaveNothingBehind() async throws {
        let fixture = try LinuxFixture()
        let mountsBefore = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
        do {
            let containerizer = fixture.containerizer
            var pids: [pid_t] = []
            for batch in 0..<20 {
                pids += try await withThrowingTaskGroup(of: pid_t.self) { group in
                    for index in 0..<10 {
                        group.addTask {
                            let id = try ContainerID("k-\(batch)-\(index)")
                            let handle = try await containerizer.launch(
                                ContainerSpec(id: id, command: .argv(executable: "sleep", arguments: ["100"])))
                            let termination = try await containerizer.kill(id, grace: .seconds(5))
                            #expect(termination.signal == SIGTERM)
                            _ = try await containerizer.destroy(id, removeSandbox: true)
                            return handle.pid
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
            }
            #expect(pids.count == 200)
            #expect(await containerizer.containers().isEmpty)
            #expect(fixture.leftoverCgroups.isEmpty, "\(fixture.leftoverCgroups)")
            #expect(pids.allSatisfy { access("/proc/\($0)", F_OK) != 0 }, "a launcher survived")
            let mountsAfter = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
            #expect(mountsAfter == mountsBefore)
        }
        await fixture.cleanUp()
    }

    @Test func launcherFailuresComeBackAsPreciseErrors() async throws {
        let fixture = try LinuxFixture()
        do {
            let spec = ContainerSpec(id: try ContainerID("bad-host"), command: .shell("true"),
                                     linux: LinuxContainerOptions(hostname: String(repeating: "h", count: 100)))
            await #expect(throws: ContainerizerError.self) { _ = try await fixture.containerizer.launch(spec) }
            do {
                _ = try await fixture.containerizer.launch(spec)
            } catch {
                guard case .systemCallFailed(let call, _, let code, _) = error else {
                    Issue.record("unexpected \(error)")
                    return
                }
                #expect(call == "keel-launcher: sethostname")
                #expect(code == EINVAL)
            }
            #expect(await fixture.containerizer.containers().isEmpty)
            #expect(fixture.leftoverCgroups.isEmpty)
            let unknown = ContainerSpec(id: try ContainerID("bad-cap"), command: .shell("true"),
                                        linux: LinuxContainerOptions(capabilities: ["CAP_NOPE"]))
            await #expect(throws: ContainerizerError.invalidSpec(reason: "unknown capability \"CAP_NOPE\"")) {
                _ = try await fixture.containerizer.launch(unknown)
            }
        }
        await fixture.cleanUp()
    }

    @Test func orphanedContainersOfAnEarlierRunAreKilledAndRemoved() async throws {
        let rootName = "test-orphan-\(UInt32.random(in: 0...UInt32.max))"
        let first = try LinuxFixture(rootName: rootName)
        let id = try ContainerID("left")
        let handle = try await first.containerizer.launch(ContainerSpec(id: id, command: .shell("sleep 100")))
        #expect(first.leftoverCgroups.count > 0)
        // A second containerizer with the same root name (an agent restarting) finds and kills it.
        let second = try LinuxFixture(rootName: rootName)
        #expect(second.leftoverCgroups.isEmpty)
        let termination = try await first.containerizer.wait(id)
        #expect(termination.signal == SIGKILL)
        #expect(access("/proc/\(handle.pid)", F_OK) != 0)
        await first.cleanUp()
        await second.cleanUp()
    }

    @Test func shutdownRemovesTheAgentsCgroupRootAndALaterLaunchRecreatesIt() async throws {
        let fixture = try LinuxFixture()
        do {
            let roots = fixture.containerizer.rootDirectories
            #expect(!roots.isEmpty && roots.allSatisfy(CgroupFiles.exists))
            _ = try await fixture.containerizer.launch(ContainerSpec(id: try ContainerID("left"), command: .shell("sleep 100")))
            await fixture.containerizer.shutdown()
            #expect(await fixture.containerizer.containers().isEmpty)
            #expect(roots.allSatisfy { !CgroupFiles.exists($0) }, "\(roots.filter(CgroupFiles.exists))")
            let (_, termination) = try await fixture.shell("again", "true")
            #expect(termination.succeeded)
            _ = try await fixture.containerizer.destroy(try ContainerID("again"), removeSandbox: true)
            #expect(roots.allSatisfy(CgroupFiles.exists))
        }
        await fixture.cleanUp()
        #expect(fixture.parentDirectories.allSatisfy { !CgroupFiles.exists($0) })
    }

    @Test func gpusAreRestrictedWithTheDevicesController() async throws {
        let fixture = try LinuxFixture()
        defer { Task { await fixture.cleanUp() } }
        guard !fixture.containerizer.gpuIndices.isEmpty else {
            print("SKIPPED GPU isolation test: no /dev/nvidia<N> device on this host")
            return
        }
        let (handle, _) = try await fixture.shell(
            "gpu", "for d in /dev/nvidia[0-9]*; do head -c 0 $d 2>/dev/null && echo open $d || echo denied $d; done",
            resources: ContainerResources(gpus: 1))
        let lines = fixture.output(handle).split(separator: "\n")
        #expect(lines.filter { $0.hasPrefix("open") }.count == 1, "\(lines)")
    }
}
