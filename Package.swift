// swift-tools-version:6.0
import PackageDescription

// Keel depends on the Swift toolchain only (plus the system library libcap-dev for the Linux
// containerizer). Never add package dependencies here.
let package = Package(
    name: "Keel",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "KeelLog", targets: ["KeelLog"]),
        .library(name: "KeelCodec", targets: ["KeelCodec"]),
        .library(name: "KeelCrypto", targets: ["KeelCrypto"]),
        .library(name: "KeelActors", targets: ["KeelActors"]),
        .library(name: "KeelCore", targets: ["KeelCore"]),
        .library(name: "KeelAllocator", targets: ["KeelAllocator"]),
        .library(name: "KeelTesting", targets: ["KeelTesting"]),
        .library(name: "KeelStorage", targets: ["KeelStorage"]),
        .library(name: "KeelContainer", targets: ["KeelContainer"]),
        .library(name: "KeelIsolation", targets: ["KeelIsolation"]),
        .library(name: "KeelAgent", targets: ["KeelAgent"]),
        .library(name: "KeelMaster", targets: ["KeelMaster"]),
        .library(name: "KeelFramework", targets: ["KeelFramework"]),
        .library(name: "KeelExecutor", targets: ["KeelExecutor"]),
        .library(name: "KeelProtocol", targets: ["KeelProtocol"]),
        .executable(name: "keel", targets: ["keel"]),
        .executable(name: "keel-bench", targets: ["keel-bench"]),
        .executable(name: "keel-executor", targets: ["keel-executor"]),
        .executable(name: "keel-launcher", targets: ["keel-launcher"]),
    ],
    targets: [
        // Structured, leveled logging used by every other module.
        .target(name: "KeelLog"),
        // Linux headers the Glibc module does not export (epoll, eventfd, TCP options).
        .target(name: "CKeelLinux"),
        // Compact binary wire codec (Codable encoder/decoder and byte primitives).
        .target(name: "KeelCodec"),
        // SHA-256 and HMAC-SHA256 for the handshake's shared-secret authentication.
        .target(name: "KeelCrypto"),
        // The distributed actor system: identity, registry, transports (TCP, in-memory), calls, watch.
        .target(name: "KeelActors", dependencies: ["KeelLog", "KeelCodec", "KeelCrypto", "CKeelLinux"]),
        // The resource model: scalars, ranges, sets, reservations, roles, attributes.
        .target(name: "KeelCore"),
        // Durable, checksummed append-only state storage behind a protocol (registrar's backend).
        .target(name: "KeelStorage", dependencies: ["KeelLog", "KeelCodec"]),
        // Containerizers: launch, supervise and kill executors (POSIX now; Linux isolation later).
        .target(name: "KeelContainer", dependencies: ["KeelLog", "KeelCore", "CKeelLinux"]),
        // libcap (capability sets), from the system: apt-get install libcap-dev.
        .systemLibrary(name: "CLibcap", pkgConfig: "libcap", providers: [.apt(["libcap-dev"])]),
        // The launcher's wire format (argv and error reports), shared by the containerizer and keel-launcher.
        .target(name: "KeelLaunch"),
        // The Linux containerizer: cgroups v1/v2, namespaces and capabilities through keel-launcher.
        .target(name: "KeelIsolation", dependencies: ["KeelContainer", "KeelLaunch", "KeelLog", "KeelCore"]),
        // The tiny process that enters namespaces and cgroups, drops capabilities and execs a task. Written in C
        // (main.c), the one deliberate non-Swift component: process start latency (Proposals/0004).
        .executableTarget(name: "keel-launcher", dependencies: ["CLibcap"]),
        // The agent: host resource detection now; the agent actor with the cluster (issue 5).
        .target(name: "KeelAgent", dependencies: ["KeelCore", "KeelLog", "KeelContainer", "KeelIsolation", "KeelProtocol", "KeelActors"]),
        // The master: agents, frameworks, offers, tasks (issue 5).
        .target(name: "KeelMaster", dependencies: ["KeelProtocol", "KeelAllocator", "KeelCore", "KeelActors", "KeelLog", "KeelStorage", "KeelCodec"]),
        // The framework SDK: a scheduler driver for frameworks written as actors.
        .target(name: "KeelFramework", dependencies: ["KeelProtocol", "KeelActors", "KeelCore", "KeelLog"]),
        // The executor SDK: custom executors written as actors, registered with the agent that launched them.
        .target(name: "KeelExecutor", dependencies: ["KeelProtocol", "KeelActors", "KeelCore", "KeelLog"]),
        // Public test support: fakes and reference actors for framework authors and Keel's own tests.
        .target(name: "KeelTesting", dependencies: ["KeelActors", "KeelLog", "KeelCore", "KeelProtocol", "KeelMaster", "KeelAgent", "KeelFramework",
                                                   "KeelContainer", "KeelAllocator"]),
        // Pluggable allocators: hierarchical weighted DRF, strict priority, weighted random.
        .target(name: "KeelAllocator", dependencies: ["KeelCore"]),
        // The cluster's wire contract: master, agent, scheduler and executor protocols and their messages.
        .target(name: "KeelProtocol", dependencies: ["KeelActors", "KeelCore", "KeelLog"]),

        // Config files of `keel master` and `keel agent`: strict JSON → master, agent and actor-system settings.
        .target(name: "KeelConfig", dependencies: ["KeelActors", "KeelCore", "KeelMaster", "KeelAgent", "KeelLog", "KeelAllocator", "KeelIsolation"]),

        .executableTarget(name: "keel", dependencies: ["KeelActors", "KeelLog", "KeelTesting", "KeelCore", "KeelProtocol", "KeelFramework", "KeelConfig", "KeelMaster", "KeelAgent", "KeelStorage"]),
        .executableTarget(name: "keel-bench", dependencies: ["KeelActors", "KeelCodec", "KeelCore", "KeelAllocator", "KeelLog", "KeelTesting", "CKeelLinux",
                                                            "KeelConfig", "KeelMaster", "KeelAgent", "KeelFramework", "KeelProtocol", "KeelContainer", "KeelIsolation"]),
        // The reference custom executor: runs each task's command as a process; echoes framework messages.
        .executableTarget(name: "keel-executor", dependencies: ["KeelExecutor", "KeelContainer", "KeelProtocol", "KeelCore"]),
        // A helper process used by the multi-process actor tests and the rpc benchmark.
        .executableTarget(name: "keel-actor-peer", dependencies: ["KeelActors", "KeelLog", "KeelTesting"]),

        .testTarget(name: "KeelLogTests", dependencies: ["KeelLog"]),
        .testTarget(name: "KeelCodecTests", dependencies: ["KeelCodec"]),
        .testTarget(name: "KeelCryptoTests", dependencies: ["KeelCrypto"]),
        .testTarget(name: "KeelActorsTests", dependencies: ["KeelActors", "KeelLog", "KeelCodec", "KeelCrypto", "KeelTesting"]),
        .testTarget(name: "KeelCoreTests", dependencies: ["KeelCore"]),
        .testTarget(name: "KeelAgentTests", dependencies: ["KeelAgent", "KeelCore", "KeelProtocol", "KeelActors", "KeelContainer", "KeelLog", "KeelIsolation"]),
        .testTarget(name: "KeelMasterTests", dependencies: ["KeelMaster", "KeelProtocol", "KeelAllocator", "KeelCore", "KeelActors", "KeelLog", "KeelStorage"]),
        .testTarget(name: "KeelClusterTests", dependencies: ["KeelTesting", "KeelFramework", "KeelProtocol", "KeelCore", "KeelActors", "KeelAgent", "KeelContainer"]),
        .testTarget(name: "KeelFrameworkTests", dependencies: ["KeelFramework", "KeelProtocol", "KeelCore", "KeelActors", "KeelLog"]),
        .testTarget(name: "KeelStorageTests", dependencies: ["KeelStorage", "KeelLog"]),
        .testTarget(name: "KeelContainerTests", dependencies: ["KeelContainer", "KeelCore", "KeelLog"]),
        .testTarget(name: "KeelIsolationTests", dependencies: ["KeelIsolation", "KeelLaunch", "KeelContainer", "KeelLog"]),
        .testTarget(name: "KeelAllocatorTests", dependencies: ["KeelAllocator", "KeelCore"]),
        .testTarget(name: "KeelConfigTests", dependencies: ["KeelConfig", "KeelContainer", "KeelCore", "KeelProtocol", "KeelActors", "KeelFramework", "KeelIsolation"]),
        .testTarget(name: "KeelProtocolTests", dependencies: ["KeelProtocol", "KeelActors", "KeelCore", "KeelCodec"]),
    ],
    swiftLanguageModes: [.v6]
)
