import Foundation
import VigilDetect
import VigilExperiments
import VigilTensor

/// Times scoring with the KDD presets (briefly fitted on synthetic data, since speed does
/// not depend on the weights).
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
        }
    }
}
