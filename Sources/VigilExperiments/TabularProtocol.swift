import Foundation
import VigilData
import VigilDetect
import VigilEval
import VigilTensor

/// The semi-supervised protocol on a labelled table (the DAGMM paper's and ADBench's
/// setting; `../shared/TUNING.md`): the normal rows (target 0) are shuffled with the seed and
/// the first half is the training set; the test set is the other half plus every anomaly.
/// The detector standardises with the training rows (its default) and is trained with its
/// reference settings adapted to the table (``DetectorChoice/plan(rows:seed:)``).
///
/// Reported: ROC AUC (ties averaged), average precision, and F1 with the threshold at the
/// k-th highest test score, k = the number of test anomalies (TUNING.md's rule); fit seconds
/// and rows scored per second. The split's test rows are in the result, so another tool (the
/// PyOD script in `scripts/`) can score exactly the same rows.
///
/// Deviation: the shuffle is Vigil's seeded generator, not NumPy's `RandomState(seed)`, so the
/// halves differ from a NumPy script's unless it reads them from the result.
public enum TabularProtocol {
    public struct Split: Sendable {
        public var trainRows: [Int]
        public var testRows: [Int]
        /// 0 normal, 1 anomaly, per test row.
        public var testTargets: [Int]
    }

    public struct Result: Codable, Sendable {
        public var detector: String
        public var seed: UInt64
        public var rocAUC: Double
        public var averagePrecision: Double
        public var f1: Double
        public var fitSeconds: Double
        public var scoreRowsPerSecond: Double
        public var epochs: Int
        public var batchSize: Int
        /// The test scores, in the order of ``testRows``.
        public var scores: [Float]
        public var testRows: [Int]
        public var testTargets: [Int]
    }

    /// The seeded split of a table's rows by their targets.
    public static func split(targets: [Int], seed: UInt64) throws -> Split {
        var normal = targets.indices.filter { targets[$0] == 0 }
        let anomalies = targets.indices.filter { targets[$0] != 0 }
        guard normal.count >= 2, !anomalies.isEmpty else {
            throw DetectorError.invalidArgument(
                name: "labels", expected: "at least 2 normal rows and 1 anomaly", actual: "\(normal.count) normal rows, \(anomalies.count) anomalies")
        }
        var generator = SeededRandom(seed: seed &+ 0x7AB1E)
        generator.shuffle(&normal)
        let half = normal.count / 2
        let test = Array(normal[half...]) + anomalies
        return Split(
            trainRows: Array(normal[..<half]), testRows: test,
            testTargets: Array(repeating: 0, count: normal.count - half) + Array(repeating: 1, count: anomalies.count))
    }

    /// Trains and evaluates `choice` on `data` (which must have targets) with `seed`.
    public static func run(_ choice: DetectorChoice, data: Dataset, seed: UInt64, epochs: Int? = nil, networks: NetworkSizing = .table) throws -> Result {
        guard let targets = data.targets else {
            throw DetectorError.invalidArgument(name: "data", expected: "a labelled table (--label-column)", actual: "no labels")
        }
        let split = try split(targets: targets, seed: seed)
        let train = data.features.gatherRows(split.trainRows)
        let test = data.features.gatherRows(split.testRows)
        let detector = try choice.make(featureCount: data.features.shape[1], seed: seed, networks: networks)
        var (options, _) = choice.plan(rows: train.shape[0], seed: seed, networks: networks)
        options.progress = .silent
        if let epochs { options.epochs = epochs }
        let fitStart = ContinuousClock.now
        _ = try detector.fit(train, options: options)
        let fitSeconds = (ContinuousClock.now - fitStart).inSeconds
        let scoreStart = ContinuousClock.now
        let scores = try detector.score(test).instance
        let scoreSeconds = (ContinuousClock.now - scoreStart).inSeconds
        return Result(
            detector: choice.rawValue, seed: seed, rocAUC: try ROCCurve(scores: scores, targets: split.testTargets).area,
            averagePrecision: try PrecisionRecallCurve(scores: scores, targets: split.testTargets).averagePrecision,
            f1: try f1AtTopK(scores, split.testTargets), fitSeconds: fitSeconds,
            scoreRowsPerSecond: Double(scores.count) / max(scoreSeconds, 1e-9), epochs: options.epochs, batchSize: options.batchSize,
            scores: scores, testRows: split.testRows, testTargets: split.testTargets)
    }

    /// F1 when the k highest scores are flagged, k = the number of anomalies (ties at the
    /// k-th score are flagged too).
    static func f1AtTopK(_ scores: [Float], _ targets: [Int]) throws -> Double {
        let k = targets.filter { $0 == 1 }.count
        let cut = scores.sorted(by: >)[k - 1]
        return try ConfusionMatrix(predictions: scores.map { $0 >= cut ? 1 : 0 }, targets: targets).f1
    }
}
