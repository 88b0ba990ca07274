// swift-tools-version: 6.0
// libFuzzer targets for Vigil's readers: a package of its own beside the main one, so the
// main Package.swift stays as it is. Build and run with `scripts/fuzz.sh` (see Fuzz/README.md).
//
// Every module — Vigil's too — is compiled with AddressSanitizer and libFuzzer's coverage
// instrumentation (`-sanitize=address -sanitize-coverage=…`, passed by fuzz.sh); only the
// fuzz targets link libFuzzer, its `fuzzer_no_main` runtime, and start it from their own
// `main.swift` (`FuzzSupport.run`). So `make-seeds`, an ordinary executable, builds in the
// same folder without clashing with libFuzzer's `main`.
import PackageDescription

let fuzzerRuntime = "/opt/swift/usr/lib/clang/21/lib/linux/libclang_rt.fuzzer_no_main-x86_64.a"
let libFuzzer: [LinkerSetting] = [.unsafeFlags([fuzzerRuntime]), .linkedLibrary("stdc++")]

let targets = [
    "csv", "npy", "npz", "safetensors", "detector-config", "detector-weights", "kdd", "cifar10", "mnist", "gzip",
]

let package = Package(
    name: "VigilFuzz",
    platforms: [.macOS(.v15)],
    products: targets.map { .executable(name: "fuzz-\($0)", targets: ["fuzz-\($0)"]) }
        + [.executable(name: "make-seeds", targets: ["make-seeds"])],
    dependencies: [.package(name: "Vigil", path: "..")],
    targets: [
        .target(name: "CFuzzDriver"),
        .target(
            name: "FuzzSupport",
            dependencies: [
                "CFuzzDriver",
                .product(name: "VigilTensor", package: "Vigil"),
                .product(name: "VigilDetect", package: "Vigil"),
            ]),
        .executableTarget(
            name: "make-seeds",
            dependencies: [
                .product(name: "VigilTensor", package: "Vigil"), .product(name: "VigilNN", package: "Vigil"),
                .product(name: "VigilData", package: "Vigil"), .product(name: "VigilDetect", package: "Vigil"),
            ]),
    ] + targets.map { name in
        .executableTarget(
            name: "fuzz-\(name)",
            dependencies: [
                "FuzzSupport",
                .product(name: "VigilTensor", package: "Vigil"),
                .product(name: "VigilData", package: "Vigil"),
                .product(name: "VigilDetect", package: "Vigil"),
            ],
            linkerSettings: libFuzzer)
    },
    swiftLanguageModes: [.v5]
)
