import Foundation
@testable import KeelContainer
import KeelLog
import Testing

/// A POSIX agent that crashed leaves its containers' process groups running; the next containerizer on the same
/// work directory kills them (and only them).
struct OrphanTests {
    @Test func checkpointsRoundTripAndMalformedOnesAreRefused() {
        let record = PosixContainerCheckpoint(processGroup: 4242, leaderStartTicks: 987_654, bootID: "b00t-1d")
        #expect(PosixContainerCheckpoint(decoding: record.encoded) == record)
        for text in ["", "4242 987654", "x 1 b", "1 5 b", "0 5 b", "-3 5 b", "4242 987654 b extra"] {
            #expect(PosixContainerCheckpoint(decoding: text) == nil, "\(text)")
        }
    }

    @Test func theJournalReplaysToTheLiveContainersAndIgnoresTornLines() {
        let a = PosixContainerCheckpoint(processGroup: 10, leaderStartTicks: 1, bootID: "b")
        let b = PosixContainerCheckpoint(processGroup: 20, leaderStartTicks: 2, bootID: "b")
        let text = "+ a " + a.encoded + "+ b " + b.encoded + "- a\n+ c 30 3\n- b extra\n? b\n+ d 40"
        #expect(PosixContainerJournal.replay(text) == ["b": b])
        #expect(PosixContainerJournal.replay("+ a " + a.encoded + "- a\n+ a " + b.encoded) == ["a": b])
    }

    @Test func theJournalIsCompactedOnceMostOfItIsDestroyedContainers() throws {
        let fixture = try Fixture()
        defer { fixture.cleanUp() }
        let path = fixture.workDirectory + "/journal"
        let journal = PosixContainerJournal(path: path, logger: Logger(label: "test", level: .warning))
        let record = PosixContainerCheckpoint(processGroup: 10, leaderStartTicks: 1, bootID: "b")
        journal.record(try ContainerID("keep"), record)
        for index in 0..<PosixContainerJournal.compactionThreshold {
            let id = try ContainerID("c\(index)")
            journal.record(id, record)
            journal.forget(id)
        }
        let lines = (ProcFiles.read(path, limit: 1 << 20) ?? "").split(separator: "\n")
        #expect(lines.count < 100, "\(lines.count) lines")
        #expect(PosixContainerJournal.replay(ProcFiles.read(path, limit: 1 << 20) ?? "") == ["keep": record])
        // Appends after a compaction go to the new file.
        journal.forget(try ContainerID("keep"))
        #expect(PosixContainerJournal.replay(ProcFiles.read(path, limit: 1 << 20) ?? "").isEmpty)
        #expect(journal.takeLeftovers().isEmpty && !FileManager.default.fileExists(atPath: path))
    }

    @Test func onlyTheRecordedGroupIsJudgedAlive() {
        let record = PosixContainerCheckpoint(processGroup: 500, leaderStartTicks: 1_000, bootID: "boot")
        func verdict(_ processes: [(pid: pid_t, processGroup: pid_t, startTicks: UInt64)], boot: String? = "boot",
                     ours: Set<pid_t> = []) -> PosixContainerCheckpoint.Verdict {
            record.verdict(currentBootID: boot, processes: processes) { ours.contains($0) }
        }
        // The leader, same start time: ours.
        #expect(verdict([(500, 500, 1_000)]) == .killGroup)
        // Same pid, another start time: the pid was reused by someone else.
        #expect(verdict([(500, 500, 7_000), (501, 500, 7_001)], ours: [501]) == .gone)
        // Leader gone: only members of the group that started after it and carry the marker.
        #expect(verdict([(612, 500, 1_200), (613, 500, 1_300), (614, 500, 900), (615, 615, 1_400)], ours: [612, 614, 615])
                == .killStragglers([612]))
        // Leader gone, a group of that number without the marker: another group that reused the number.
        #expect(verdict([(612, 500, 1_200)]) == .gone)
        // Another boot: nothing can have survived.
        #expect(verdict([(500, 500, 1_000)], boot: "other") == .gone)
        #expect(verdict([(500, 500, 1_000)], boot: nil) == .gone)
    }

    /// The processes (not zombies) whose process group is `group`.
    static func members(of group: pid_t) -> [pid_t] {
        ProcFiles.processIDs().filter { pid in
            ProcFiles.Stat(pid: pid).map { $0.processGroup == group && $0.state != "Z" } ?? false
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func aNewContainerizerKillsWhatACrashedOneLeftRunningAndNothingElse() async throws {
        let fixture = try Fixture()
        defer { fixture.cleanUp() }
        // Stands in for the crashed agent's run: launched, never destroyed.
        let orphan = try await fixture.containerizer.launch(ContainerSpec(id: try ContainerID("orphan"),
                                                                          command: .shell("sleep 60 & exec sleep 60")))
        let finished = try await fixture.run("finished", .argv(executable: "true", arguments: []))
        _ = try await fixture.containerizer.destroy(finished.0.id, removeSandbox: false)
        // A process of this test in a group of its own, not launched by the containerizer: must survive.
        let elsewhere = try Fixture()
        defer { elsewhere.cleanUp() }
        let bystander = try await elsewhere.containerizer.launch(ContainerSpec(id: try ContainerID("bystander"),
                                                                               command: .shell("exec sleep 60")))
        let journal = fixture.workDirectory + "/posix-containers.journal"
        #expect(PosixContainerJournal.replay(ProcFiles.read(journal) ?? "").keys.sorted() == ["orphan"])

        let restarted = PosixContainerizer(configuration: PosixContainerizerConfiguration(workDirectory: fixture.workDirectory),
                                           logger: Logger(label: "test", level: .warning))
        // The first run still holds the orphan as its child: its exit is observed there, like any kill.
        let termination = try await fixture.containerizer.wait(orphan.id)
        #expect(termination.signal == SIGKILL)
        try await eventually("the orphan's background sleep is gone too") {
            ProcFiles.processIDs().allSatisfy { ProcFiles.Stat(pid: $0).map { $0.processGroup != orphan.pid || $0.state == "Z" } ?? true }
        }
        #expect(!isDead(bystander.pid))
        #expect(!FileManager.default.fileExists(atPath: journal))
        #expect(FileManager.default.fileExists(atPath: orphan.sandboxDirectory))
        #expect(await restarted.containers().isEmpty)
        _ = try await fixture.containerizer.destroy(orphan.id, removeSandbox: true)
        _ = try await elsewhere.containerizer.destroy(bystander.id, removeSandbox: true)
    }

    @Test(.timeLimit(.minutes(1)))
    func anAgentNowOnLinuxIsolationStillKillsWhatItsPOSIXRunLeft() async throws {
        let fixture = try Fixture()
        defer { fixture.cleanUp() }
        let orphan = try await fixture.containerizer.launch(ContainerSpec(id: try ContainerID("left"), command: .shell("exec sleep 60")))
        let killed = PosixContainerizer.killOrphans(workDirectory: fixture.workDirectory, logger: Logger(label: "test", level: .warning))
        #expect(killed == ["left"])
        #expect(try await fixture.containerizer.wait(orphan.id).signal == SIGKILL)
        _ = try await fixture.containerizer.destroy(orphan.id, removeSandbox: true)
    }

    @Test(.timeLimit(.minutes(1)))
    func stragglersOfADeadLeaderAreKilledOnlyWhenTheyCarryTheContainersMarker() async throws {
        let fixture = try Fixture(), elsewhere = try Fixture()
        defer { fixture.cleanUp(); elsewhere.cleanUp() }
        // Both leaders exit at once and leave a background sleep in a group without a leader.
        let ours = try await fixture.containerizer.launch(ContainerSpec(id: try ContainerID("ours"), command: .shell("sleep 60 & exit 0")))
        let theirs = try await elsewhere.containerizer.launch(ContainerSpec(id: try ContainerID("theirs"),
                                                                            command: .shell("sleep 60 & exit 0")))
        _ = try await fixture.containerizer.wait(ours.id)
        _ = try await elsewhere.containerizer.wait(theirs.id)
        defer { for pid in Self.members(of: theirs.pid) { kill(pid, SIGKILL) } }
        #expect(Self.members(of: ours.pid).count == 1 && Self.members(of: theirs.pid).count == 1)
        // Our journal also names their group, as if its number had been ours before: it lacks our marker.
        let bootID = try #require(PosixContainerCheckpoint.currentBootID())
        let journal = fixture.workDirectory + "/posix-containers.journal"
        let handle = try #require(FileHandle(forWritingAtPath: journal))
        handle.seekToEndOfFile()
        handle.write(Data("+ stranger \(theirs.pid) 0 \(bootID)\n".utf8))
        handle.closeFile()

        _ = PosixContainerizer(configuration: PosixContainerizerConfiguration(workDirectory: fixture.workDirectory),
                               logger: Logger(label: "test", level: .warning))
        try await eventually("our straggler is gone") { Self.members(of: ours.pid).isEmpty }
        #expect(Self.members(of: theirs.pid).count == 1)
    }
}
