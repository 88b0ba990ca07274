import Foundation
import VigilData
import VigilEval
import VigilTensor

/// deepad's KDD comparison: train on every inlier of the 10% file (18 features, min-max
/// scaled on them), score the published 8,000 inlier + 2,000 outlier test split, choose the
/// threshold that maximises accuracy, and report ROC AUC, accuracy, precision, recall, F1
/// and F2 at it. Models so far: PCA (2 components, deepad's setting).
public enum DeepadProtocol {
    public enum Model: String, CaseIterable, Codable, Sendable {
        case pca
    }

    public struct Result: Codable, Sendable {
        public var model: Model
        public var rocAUC: Double
        public var accuracy: Double
        public var precision: Double
        public var recall: Double
        public var f1: Double
        public var f2: Double
        public var threshold: Float
        public var fitSeconds: Double
    }

    public static func run(_ model: Model, split: KDDCup.DeepadSplit) throws -> Result {
        let detector: any OutlierDetector
        switch model {
        case .pca: detector = try PCADetector(featureCount: split.train.features.shape[1], configuration: .init(components: .count(2)))
        }
        let start = ContinuousClock.now
        _ = try detector.fit(split.train.features, options: FitOptions(standardize: false, progress: .silent))
        let elapsed = ContinuousClock.now - start
        let scores = try detector.score(split.test.features).instance
        let targets = split.test.targets!
        let (threshold, confusion) = try ThresholdSearch.best(scores: scores, targets: targets, by: .accuracy)
        return Result(
            model: model, rocAUC: try ROCCurve(scores: scores, targets: targets).area, accuracy: confusion.accuracy,
            precision: confusion.precision, recall: confusion.recall, f1: confusion.f1, f2: confusion.fScore(beta: 2),
            threshold: threshold, fitSeconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
    }
}
