// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Vigil",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "VigilTensor", targets: ["VigilTensor"]),
        .library(name: "VigilNN", targets: ["VigilNN"]),
        .library(name: "VigilData", targets: ["VigilData"]),
        .library(name: "VigilEval", targets: ["VigilEval"]),
        .library(name: "VigilDetect", targets: ["VigilDetect"]),
        .library(name: "VigilPlot", targets: ["VigilPlot"]),
        .library(name: "VigilExperiments", targets: ["VigilExperiments"]),
        .library(name: "VigilServer", targets: ["VigilServer"]),
        .library(name: "VigilONNX", targets: ["VigilONNX"]),
        .executable(name: "vigil", targets: ["vigil"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.9.0"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        .target(
            name: "VigilTensor",
            linkerSettings: [.linkedLibrary("dl", .when(platforms: [.linux]))]
        ),
        .target(name: "VigilNN", dependencies: ["VigilTensor"]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]),
        .target(name: "VigilData", dependencies: ["VigilTensor", "CZlib"]),
        .target(name: "VigilEval", dependencies: ["VigilTensor"]),
        .target(name: "VigilDetect", dependencies: ["VigilNN", "VigilData", "VigilTensor"]),
        .target(name: "VigilPlot", dependencies: ["VigilEval", "VigilTensor"]),
        // The documented protocols (alibi KDD, DAGMM, deepad) and the composition of their reports.
        .target(name: "VigilExperiments", dependencies: ["VigilDetect", "VigilData", "VigilEval", "VigilNN", "VigilPlot", "VigilTensor"]),
        // The scoring service: the V2 inference protocol, the simple form, metrics and the dashboard.
        .target(
            name: "VigilServer",
            dependencies: [
                "VigilDetect", "VigilData", "VigilEval", "VigilPlot", "VigilTensor",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // ONNX export of a saved detector's whole scoring graph. `onnx.pb.swift` is generated
        // from Protos/onnx.proto by scripts/generate-onnx-proto.sh and committed.
        .target(
            name: "VigilONNX",
            dependencies: ["VigilDetect", "VigilNN", "VigilTensor", .product(name: "SwiftProtobuf", package: "swift-protobuf")]),
        .target(name: "_TestSupport", dependencies: ["VigilTensor"]),
        // Saves a detector over and over, for the test that kills a save half-way.
        .executableTarget(name: "_SaveLoop", dependencies: ["VigilDetect", "VigilTensor"]),
        .executableTarget(
            name: "vigil",
            dependencies: [
                "VigilTensor",
                "VigilNN",
                "VigilData",
                "VigilEval",
                "VigilDetect",
                "VigilPlot",
                "VigilExperiments",
                "VigilServer",
                "VigilONNX",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "VigilTensorTests", dependencies: ["VigilTensor", "_TestSupport"]),
        .testTarget(name: "VigilNNTests", dependencies: ["VigilNN", "VigilTensor", "_TestSupport"]),
        .testTarget(name: "VigilEvalTests", dependencies: ["VigilEval"]),
        .testTarget(
            name: "VigilDetectTests", dependencies: ["VigilDetect", "VigilNN", "VigilData", "VigilEval", "VigilTensor", "_TestSupport"],
            exclude: ["Fixtures"]),
        .testTarget(name: "VigilExperimentsTests", dependencies: ["VigilExperiments", "VigilData", "VigilTensor"]),
        .testTarget(name: "VigilPlotTests", dependencies: ["VigilPlot", "VigilEval", "VigilData", "VigilTensor"], exclude: ["Expected"]),
        .testTarget(
            name: "VigilServerTests",
            dependencies: [
                "VigilServer", "VigilDetect", "VigilData", "VigilTensor", "_TestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]),
        .testTarget(name: "VigilONNXTests", dependencies: ["VigilONNX", "VigilDetect", "VigilData", "VigilNN", "VigilTensor"]),
        .testTarget(name: "VigilDataTests", dependencies: ["VigilData", "VigilTensor", "_TestSupport"]),
        // Runs the built `vigil` program as a user would: bad input, data safety, signals.
        .testTarget(name: "VigilCLITests", dependencies: ["vigil", "_SaveLoop", "VigilDetect", "VigilData", "VigilNN", "VigilPlot", "VigilTensor", "_TestSupport"]),
    ]
)
