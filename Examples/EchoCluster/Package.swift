// swift-tools-version:6.0
// An example of embedding Keel's actor runtime in another Swift program:
// `swift run` here starts two nodes over TCP and calls a distributed actor across them.
import PackageDescription

let package = Package(
    name: "EchoCluster",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "Keel", path: "../..")],
    targets: [
        .executableTarget(
            name: "EchoCluster",
            dependencies: [
                .product(name: "KeelActors", package: "Keel"),
            ]),
    ],
    swiftLanguageModes: [.v6]
)
