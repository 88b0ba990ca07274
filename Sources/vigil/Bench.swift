import ArgumentParser
import Foundation
import Logging
import VigilData
import VigilTensor

/// `vigil bench`: matrix-product and training-throughput figures for this machine.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure sgemm GFLOP/s and training throughput (build with -c release).",
        discussion: """
            Prints sgemm GFLOP/s on the BLAS and the portable path, and the samples/s and \
            seconds per 400,000-row epoch of the alibi-detect KDD detectors as they train \
            (OutlierAEGMM at batch 1,024, OutlierVAE at batch 64), with each thread count asked for; \
            with --networks cifar-vae, the seconds per 50,000-image epoch of the CIFAR-10 \
            convolutional VAE (batch 64).
            """)

    @Option(name: .long, parsing: .upToNextOption, help: "Thread counts to measure (default: 1 2, or VIGIL_THREADS).")
    var threads: [Int] = []

    @Option(name: .long, parsing: .upToNextOption, help: "Square sgemm sizes.")
    var gemmSizes: [Int] = [64, 256, 1024, 2048]

    @Option(name: .long, parsing: .upToNextOption, help: "Networks to train: aegmm vae cifar-vae (default: aegmm vae).")
    var networks: [TrainingBenchmark.Network] = [.aegmm, .vae]

    @Option(name: .long, help: "Rows trained per timed epoch (default: 400,000 for the KDD networks, 3,200 images for cifar-vae; figures are quoted per 400,000 rows or 50,000 images).")
    var epochRows: Int?

    @Option(name: .long, help: "Epochs per network; the fastest is reported.")
    var epochs: Int = 3

    @Flag(help: "Also time the data layer: parsing the KDD file and reading a large CSV.")
    var data = false

    @Flag(help: "Also time scoring 400,000 rows with each KDD detector preset (and 2,000 CIFAR-10 images), in rows/s and in bytes/s against the memory bandwidth measured in the same run (STREAM triad).")
    var scoring = false

    @OptionGroup var location: DataCommand.Location

    @Option(name: .long, help: "Write the figures as JSON to this file.")
    var json: String?

    func validate() throws {
        if threads.contains(where: { $0 < 1 }) { throw ValidationError("--threads takes counts of at least 1, got \(threads)") }
        if gemmSizes.contains(where: { $0 < 1 }) { throw ValidationError("--gemm-sizes takes positive sizes, got \(gemmSizes)") }
        if epochs < 1 { throw ValidationError("--epochs must be at least 1, got \(epochs)") }
        if let epochRows, epochRows < 1 || epochRows > 100_000_000 { throw ValidationError("--epoch-rows must be in 1…100,000,000, got \(epochRows)") }
        if gemmSizes.contains(where: { $0 > 16_384 }) { throw ValidationError("--gemm-sizes takes sizes up to 16,384, got \(gemmSizes)") }
        if threads.contains(where: { $0 > 256 }) { throw ValidationError("--threads takes counts up to 256, got \(threads)") }
    }

    func run() throws {
        let logger = Logger(label: "vigil.bench")
        #if DEBUG
        logger.warning("this is a debug build: figures are 10–100× too slow; use `swift run -c release vigil bench`")
        #endif
        let threadCounts = threads.isEmpty
            ? (ProcessInfo.processInfo.environment["VIGIL_THREADS"].flatMap(Int.init).flatMap { (1...256).contains($0) ? [$0] : nil } ?? [1, 2])
            : threads
        var report = BenchReport(
            blasLibrary: GEMM.blasLibraryName ?? "none (portable kernel)",
            cores: ProcessInfo.processInfo.activeProcessorCount, gemm: [], training: [], scoring: [])
        print("BLAS: \(report.blasLibrary); cores: \(report.cores)")
        for count in threadCounts {
            ComputeThreads.setThreadCount(count)
            for path in GEMM.Path.allCases where path == .portable || GEMM.blasLibraryName != nil {
                for size in gemmSizes {
                    let gflops = GEMMBenchmark.gigaflops(size: size, path: path)
                    report.gemm.append(.init(threads: count, path: path.rawValue, size: size, gigaflops: gflops))
                    print(String(format: "sgemm  %-8@ %2d thread(s)  %5d³  %8.1f GFLOP/s", path.rawValue, count, size, gflops))
                }
            }
            if scoring {
                let (figures, bandwidth) = try ScoringBenchmark.run(rows: 400_000)
                print(String(format: "memory %d thread(s)  %6.1f GB/s (STREAM triad, 3 × 64 MiB)", count, bandwidth / 1e9))
                for figure in figures {
                    report.scoring.append(figure)
                    print(String(
                        format: "score  %@ %d thread(s)  %10.0f rows/s  %7.1f MB/s in and out = %5.2f%% of the memory bandwidth",
                        figure.detector.padding(toLength: 7, withPad: " ", startingAt: 0), count, figure.rowsPerSecond, figure.bytesPerSecond / 1e6,
                        100 * figure.fractionOfBandwidth))
                }
            }
            let peak = report.gemm.filter { $0.threads == count && $0.path == GEMM.defaultPath.rawValue }.map(\.gigaflops).max() ?? 0
            for network in networks {
                var figure = try TrainingBenchmark.run(network, rows: epochRows, epochs: epochs, seed: 0)
                figure.threads = count
                figure.fractionOfGemmPeak = peak > 0 ? figure.achievedGigaflops / peak : 0
                report.training.append(figure)
                print(String(
                    format: "train  %-9@ batch %4d  %d thread(s)  %9.0f samples/s  %8.3f s/epoch of %d rows (best of %d)  %6.1f GFLOP/s = %4.1f%% of sgemm peak",
                    figure.network, figure.batchSize, count, figure.samplesPerSecond, figure.secondsPerEpoch,
                    figure.epochRows, epochs, figure.achievedGigaflops, 100 * figure.fractionOfGemmPeak))
            }
        }
        if data {
            let kdd = try location.store.fetch(KDDCup.tenPercentFile).path
            report.data = try DataBenchmark.run(kddPath: kdd, csvRows: 1_000_000)
            for figure in report.data! {
                let rate = figure.megabytesPerSecond.map { String(format: "  %6.1f MiB/s", $0) } ?? ""
                print(String(format: "data   %-45@ %7.3f s", figure.task, figure.seconds) + rate)
            }
        }
        if let json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try OutputFile.write(Array(try encoder.encode(report)), to: json)
            print("wrote \(json)")
        }
    }
}

/// Every figure `vigil bench` measured, as written by `--json`.
struct BenchReport: Codable {
    struct GEMMFigure: Codable {
        var threads: Int
        var path: String
        var size: Int
        var gigaflops: Double
    }

    var blasLibrary: String
    var cores: Int
    var gemm: [GEMMFigure]
    var training: [TrainingBenchmark.Figure]
    var data: [DataBenchmark.Figure]?
    var scoring: [ScoringBenchmark.Figure] = []
}
