import Foundation
import VigilData
import VigilTensor

/// Times the data layer: parsing the KDD file and reading a large CSV.
enum DataBenchmark {
    struct Figure: Codable {
        var task: String
        var seconds: Double
        var megabytesPerSecond: Double?
    }

    /// The best of `repetitions` runs of `body`, in seconds.
    static func best(_ repetitions: Int, _ body: () throws -> Void) rethrows -> Double {
        var best = Double.infinity
        for _ in 0..<repetitions {
            let start = ContinuousClock.now
            try body()
            best = min(best, (ContinuousClock.now - start).inSeconds)
        }
        return best
    }

    static func run(kddPath: String, csvRows: Int) throws -> [Figure] {
        var figures: [Figure] = []
        let parse = try best(3) { _ = try KDDCup.continuousView(path: kddPath) }
        figures.append(Figure(task: "KDD 10% file (gzip) → 18-feature view", seconds: parse))
        let oneHot = try best(3) { _ = try KDDCup.oneHotView(path: kddPath) }
        figures.append(Figure(task: "KDD 10% file (gzip) → one-hot view", seconds: oneHot))

        var random = SeededRandom(seed: 0)
        let table = Dataset(
            features: random.normalTensor([csvRows, 18]), targets: (0..<csvRows).map { $0 % 2 },
            featureNames: KDDCup.continuousFeatureNames)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-bench-\(UUID().uuidString).csv").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try CSV.write(table, to: path)
        let size = Double((try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0)
        let read = try best(3) { _ = try CSV.read(path: path, labelColumn: "target") }
        figures.append(Figure(task: "CSV \(csvRows) × 19 (\(Int(size / 1_048_576)) MiB)", seconds: read, megabytesPerSecond: size / 1_048_576 / read))
        return figures
    }
}
