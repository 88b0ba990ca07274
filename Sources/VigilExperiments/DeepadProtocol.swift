import Foundation
import VigilData
import VigilDetect
import VigilEval
import VigilNN
import VigilTensor

/// deepad's KDD comparison: train on every inlier of the 10% file (18 features, min-max
/// scaled on them), score the published 8,000 inlier + 2,000 outlier test split, choose the
/// threshold that maximises accuracy, and report ROC AUC, accuracy, precision, recall, F1
/// and F2 at it, for its six models with the settings of its `train.py`.
public enum DeepadProtocol {
    public enum Model: String, CaseIterable, Codable, Sendable {
        case autoencoder
        case vae
        case bigan
        case seq2seq
        case pca
        case ocsvm

        /// The name deepad's charts use.
        public var title: String {
            switch self {
            case .autoencoder: "Autoencoder"
            case .vae: "VAE"
            case .bigan: "BiGAN"
            case .seq2seq: "Seq2Seq"
            case .pca: "PCA"
            case .ocsvm: "One-Class SVM"
            }
        }

        /// Epochs, batch size and learning rate of deepad's `train.py` (none for PCA and the
        /// SVM), except the BiGAN's rate: deepad's 0.01 works for its 15 single batches, but
        /// over 15 full epochs the adversarial game diverges (ROC AUC 0.877 / 0.441 on seeds
        /// 0 / 1), so Vigil uses Adam's default 1e-3 (0.912 / 0.938 / 0.941 on seeds 0–2).
        public var fitOptions: FitOptions {
            switch self {
            case .autoencoder: FitOptions(epochs: 14, batchSize: 128, learningRate: 0.01)
            case .vae: FitOptions(epochs: 8, batchSize: 128, learningRate: 0.01)
            case .bigan: FitOptions(epochs: 15, batchSize: 256, learningRate: 1e-3)
            case .seq2seq: FitOptions(epochs: 40, batchSize: 256, learningRate: 0.01)
            case .pca, .ocsvm: FitOptions()
            }
        }

        /// The model, freshly initialised from `seed`.
        public func makeDetector(featureCount: Int, seed: UInt64) throws -> any OutlierDetector {
            switch self {
            case .autoencoder: try OutlierAE.deepadPreset(featureCount: featureCount, seed: seed)
            case .vae: try OutlierVAE.deepadPreset(featureCount: featureCount, seed: seed)
            case .bigan: try BiGANDetector.deepadPreset(featureCount: featureCount, seed: seed)
            case .seq2seq: try Seq2SeqDetector.deepadPreset(featureCount: featureCount, seed: seed)
            case .pca: try PCADetector(featureCount: featureCount, configuration: .init(components: .count(2)))
            case .ocsvm: try OneClassSVM(featureCount: featureCount, configuration: .init(nu: 1e-4, gamma: 0.5))
            }
        }
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
        /// The test scores, in the order of the split's test rows.
        public var scores: [Float]
    }

    /// Trains `model` on the split's training inliers and evaluates it on its test rows.
    /// `epochs` overrides the model's epoch count.
    public static func run(_ model: Model, split: KDDCup.DeepadSplit, seed: UInt64 = 0, epochs: Int? = nil, progress: ProgressStyle = .silent) throws -> Result {
        let detector = try model.makeDetector(featureCount: split.train.features.shape[1], seed: seed)
        var options = model.fitOptions
        options.standardize = false
        options.seed = seed
        options.progress = progress
        if let epochs { options.epochs = epochs }
        let start = ContinuousClock.now
        _ = try detector.fit(split.train.features, options: options)
        let fitSeconds = (ContinuousClock.now - start).inSeconds
        let scores = try detector.score(split.test.features).instance
        let targets = split.test.targets!
        let (threshold, confusion) = try ThresholdSearch.best(scores: scores, targets: targets, by: .accuracy)
        return Result(
            model: model, rocAUC: try ROCCurve(scores: scores, targets: targets).area, accuracy: confusion.accuracy,
            precision: confusion.precision, recall: confusion.recall, f1: confusion.f1, f2: confusion.fScore(beta: 2),
            threshold: threshold, fitSeconds: fitSeconds,
            scores: scores)
    }
}
