import Foundation
import VigilDetect
import VigilExperiments
import VigilTensor

/// Times scoring with the KDD presets and the CIFAR-10 VAE (the KDD ones briefly fitted on
/// synthetic data; speed does not depend on the weights).
enum ScoringBenchmark {
    struct Figure: Codable {
        var detector: String
        var threads: Int
        var rows: Int
        var rowsPerSecond: Double
    }

    static func run(rows: Int) throws -> [Figure] {
        var random = SeededRandom(seed: 0)
        let training = random.normalTensor([20_000, 18])
        let batch = random.normalTensor([rows, 18])
        return try AlibiKDDProtocol.Detector.allCases.map { kind in
            let detector = try AlibiKDDProtocol.makeDetector(kind, seed: 0)
            _ = try detector.fit(training, options: FitOptions(epochs: 1, batchSize: 1024, progress: .silent))
            let seconds = DataBenchmark.best(3) { _ = try? detector.score(batch) }
            return Figure(detector: kind.rawValue, threads: ComputeThreads.count, rows: rows, rowsPerSecond: Double(rows) / seconds)
        } + [try images(count: 2_000)]
    }

    /// The CIFAR-10 example's VAE scoring `count` 32×32×3 images with its 2 samples each.
    static func images(count: Int) throws -> Figure {
        var random = SeededRandom(seed: 0)
        let detector = try AlibiCIFAR10Protocol.makeDetector(shape: ImageShape(height: 32, width: 32, channels: 3), seed: 0)
        let batch = random.uniformTensor([count, 3072])
        let seconds = DataBenchmark.best(3) { _ = try? detector.score(batch) }
        return Figure(detector: "cifar-vae", threads: ComputeThreads.count, rows: count, rowsPerSecond: Double(count) / seconds)
    }
}
