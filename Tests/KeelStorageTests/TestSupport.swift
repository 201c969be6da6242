import Foundation
import KeelLog
@testable import KeelStorage

/// Runs `body` with a fresh directory under the system's temporary directory and removes it afterwards.
func withTemporaryDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("keel-storage-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: url) }
    return try await body(url.path)
}

/// The store implementations the behavioural tests run against.
enum StoreKind: String, CaseIterable, Sendable, CustomStringConvertible {
    case memory, file
    var description: String { rawValue }
}

/// Opens a store of one kind and can simulate a restart: the memory store hands its contents to a
/// new instance, the file store is closed and reopened from its directory.
final class StoreHarness {
    let kind: StoreKind
    let directory: String
    private(set) var store: any StateStore

    init(_ kind: StoreKind, directory: String) async throws {
        self.kind = kind
        self.directory = directory
        switch kind {
        case .memory: store = MemoryStateStore()
        case .file: store = try await FileStateStore(directory: directory, configuration: quietConfiguration())
        }
    }

    func restart() async throws {
        await store.close()
        switch kind {
        case .memory:
            let old = store as? MemoryStateStore
            store = MemoryStateStore(contents: old?.contents ?? RecoveredState())
        case .file:
            store = try await FileStateStore(directory: directory, configuration: quietConfiguration())
        }
    }
}

/// A configuration whose log records go to `sink` (default: a throw-away memory sink).
func quietConfiguration(_ sink: MemoryLogSink = MemoryLogSink()) -> FileStateStore.Configuration {
    var configuration = FileStateStore.Configuration()
    configuration.logger = Logger(label: "test.storage", level: .trace, sink: sink)
    return configuration
}

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

func logPath(_ directory: String) -> String { directory + "/" + FileStateStore.logFileName }

func readFile(_ path: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
}

func writeFile(_ path: String, _ contents: [UInt8]) throws {
    try Data(contents).write(to: URL(fileURLWithPath: path))
}

/// Opens the file store in `directory`, returns what it recovers, and closes it.
func recoverFileStore(_ directory: String, _ configuration: FileStateStore.Configuration = quietConfiguration()) async throws -> RecoveredState {
    let store = try await FileStateStore(directory: directory, configuration: configuration)
    let state = try await store.recover()
    await store.close()
    return state
}
