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
        /// The rows read and the scores written per second: `rows/s × (features + 1) × 4` bytes.
        var bytesPerSecond: Double
        /// ``bytesPerSecond`` over the memory bandwidth measured in the same run.
        var fractionOfBandwidth: Double
    }

    /// Every detector's figure, and the memory bandwidth (bytes/s) they are set against.
    static func run(rows: Int) throws -> (figures: [Figure], bandwidth: Double) {
        let bandwidth = memoryBandwidth()
        var random = SeededRandom(seed: 0)
        let training = random.normalTensor([20_000, 18])
        let batch = random.normalTensor([rows, 18])
        let figures = try AlibiKDDProtocol.Detector.allCases.map { kind in
            let detector = try AlibiKDDProtocol.makeDetector(kind, seed: 0)
            _ = try detector.fit(training, options: FitOptions(epochs: 1, batchSize: 1024, progress: .silent))
            return figure(kind.rawValue, rows: rows, features: 18, bandwidth: bandwidth) { _ = try? detector.score(batch) }
        } + [try images(count: 2_000, bandwidth: bandwidth)]
        return (figures, bandwidth)
    }

    /// The CIFAR-10 example's VAE scoring `count` 32×32×3 images with its 2 samples each.
    static func images(count: Int, bandwidth: Double) throws -> Figure {
        var random = SeededRandom(seed: 0)
        let detector = try AlibiCIFAR10Protocol.makeDetector(shape: ImageShape(height: 32, width: 32, channels: 3), seed: 0)
        let batch = random.uniformTensor([count, 3072])
        return figure("cifar-vae", rows: count, features: 3072, bandwidth: bandwidth) { _ = try? detector.score(batch) }
    }

    private static func figure(_ name: String, rows: Int, features: Int, bandwidth: Double, _ score: () -> Void) -> Figure {
        let rowsPerSecond = Double(rows) / DataBenchmark.best(3, score)
        let bytesPerSecond = rowsPerSecond * Double(features + 1) * 4
        return Figure(
            detector: name, threads: ComputeThreads.count, rows: rows, rowsPerSecond: rowsPerSecond, bytesPerSecond: bytesPerSecond,
            fractionOfBandwidth: bytesPerSecond / bandwidth)
    }

    /// STREAM's triad `a = b + s·c` over three arrays of 64 MiB (far larger than the caches)
    /// on ``ComputeThreads`` threads: `3 × 64 MiB` moved per pass, the best of 5 passes.
    static func memoryBandwidth() -> Double {
        let count = 16 << 20
        let a = UnsafeMutablePointer<Float>.allocate(capacity: count)
        let b = UnsafeMutablePointer<Float>.allocate(capacity: count)
        let c = UnsafeMutablePointer<Float>.allocate(capacity: count)
        defer { [a, b, c].forEach { $0.deallocate() } }
        b.initialize(repeating: 1, count: count)
        c.initialize(repeating: 2, count: count)
        a.initialize(repeating: 0, count: count)
        let pieces = ComputeThreads.count
        let arrays = UncheckedPointers(a: a, b: b, c: c)
        let seconds = DataBenchmark.best(5) {
            parallelForEach(pieces) { piece in
                let range = (count * piece / pieces)..<(count * (piece + 1) / pieces)
                for index in range { arrays.a[index] = arrays.b[index] + 3 * arrays.c[index] }
            }
        }
        return 3 * Double(count) * 4 / seconds
    }

    /// The triad's arrays, written by disjoint ranges on each thread.
    private struct UncheckedPointers: @unchecked Sendable {
        let a: UnsafeMutablePointer<Float>
        let b: UnsafeMutablePointer<Float>
        let c: UnsafeMutablePointer<Float>
    }
}
