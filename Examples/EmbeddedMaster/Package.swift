// swift-tools-version:6.0
// An example of embedding a Keel master (and, for the demo, an agent and a framework) inside another Swift
// program: `swift run` here starts them in this process, runs one task and prints what the master holds.
import PackageDescription

let package = Package(
    name: "EmbeddedMaster",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "Keel", path: "../..")],
    targets: [
        .executableTarget(
            name: "EmbeddedMaster",
            dependencies: [
                .product(name: "KeelActors", package: "Keel"),
                .product(name: "KeelMaster", package: "Keel"),
                .product(name: "KeelAgent", package: "Keel"),
                .product(name: "KeelFramework", package: "Keel"),
                .product(name: "KeelProtocol", package: "Keel"),
                .product(name: "KeelCore", package: "Keel"),
            ]),
    ],
    swiftLanguageModes: [.v6]
)
