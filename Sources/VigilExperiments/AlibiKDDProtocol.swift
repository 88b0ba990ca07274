import Foundation
import VigilData
import VigilDetect
import VigilEval
import VigilNN
import VigilTensor

/// alibi-detect's KDD Cup '99 outlier-detection example, run end to end.
///
/// Train on 400,000 normal records (drawn with replacement, seed `s`) of the 18-feature
/// view, standardised with their mean and standard deviation; threshold at the 95th
/// percentile of a 1,000-record batch with 5% outliers (seed `s`); predict a 1,000-record
/// batch with 10% outliers (seed `s + 1`). Settings: VAE 30 epochs, batch 64, `sim` 0.01,
/// 5 samples; AEGMM 50 epochs, batch 1,024; VAEGMM 50 epochs, batch 1,024, `sim` 0.0025,
/// 10 samples. The seed also initialises the networks. `vae-nll` is the same VAE scored by
/// Vigil's likelihood with a learnt variance per feature instead of alibi's `mse`;
/// `vae-recommended` is the VAE Vigil recommends for this data
/// (``OutlierVAE/kddRecommendedPreset(featureCount:seed:)``), trained as the VAE.
public enum AlibiKDDProtocol {
    public enum Detector: String, CaseIterable, Codable, Sendable {
        case vae, aegmm, vaegmm
        /// The VAE with Vigil's `nll` score (``OutlierVAE/ScoreType/learnedVariance``): the
        /// same network and training, scored by the likelihood with a learnt variance per feature.
        case vaeNLL = "vae-nll"
        /// Vigil's recommended KDD VAE (``OutlierVAE/kddRecommendedPreset(featureCount:seed:)``):
        /// tanh hidden layers, a 3-wide latent, the `nll` score; the VAE's training.
        case vaeRecommended = "vae-recommended"

        /// alibi-detect's three detectors (``vaeNLL`` and ``vaeRecommended`` are Vigil's).
        public static let alibi: [Detector] = [.vae, .aegmm, .vaegmm]

        /// Whether the detector is one of the VAEs, trained with the VAE example's settings.
        var isVAE: Bool { self == .vae || self == .vaeNLL || self == .vaeRecommended }
        public var defaultEpochs: Int { isVAE ? 30 : 50 }
        public var defaultBatchSize: Int { isVAE ? 64 : 1024 }
    }

    /// What one run measured.
    public struct Result: Codable, Sendable {
        public var detector: Detector
        public var seed: UInt64
        public var epochs: Int
        public var threshold: Float
        public var f1: Double
        public var precision: Double
        public var recall: Double
        public var accuracy: Double
        public var rocAUC: Double
        public var confusion: ConfusionMatrix
        public var fitSecondsPerEpoch: Double
        public var scoringRowsPerSecond: Double
        public var finalLoss: Float
        /// The training loss of every epoch.
        public var lossHistory: [Float]
        /// The test batch's instance scores and true classes (1 = outlier).
        public var testScores: [Float]
        public var testTargets: [Int]
        /// The feature names of the view.
        public var featureNames: [String]
        /// The highest-scoring test instances with their features, feature scores and
        /// reconstructions, where the detector has them.
        public var topInstances: [InstanceDetail]
        /// The AEGMM's mixture input `z` for each test instance (code, then the two
        /// reconstruction features); empty for the other detectors.
        public var latent: [[Float]]
    }

    /// One scored instance, explained feature by feature.
    public struct InstanceDetail: Codable, Sendable {
        public var index: Int
        public var score: Float
        public var features: [Float]
        public var featureScores: [Float]?
        public var reconstruction: [Float]?
    }

    /// Builds the detector of the protocol with its documented settings.
    public static func makeDetector(_ detector: Detector, seed: UInt64) throws -> any OutlierDetector {
        switch detector {
        case .vae:
            return try OutlierVAE.kddPreset(configuration: .kddExample(seed: seed), seed: seed)
        case .aegmm:
            return OutlierAEGMM.kddPreset(seed: seed)
        case .vaegmm:
            return try OutlierVAEGMM.kddPreset(configuration: .kddExample(seed: seed), seed: seed)
        case .vaeNLL:
            return try OutlierVAE.kddPreset(configuration: .kddExample(scoreType: .learnedVariance, seed: seed), seed: seed)
        case .vaeRecommended:
            return try OutlierVAE.kddRecommendedPreset(seed: seed)
        }
    }

    /// Runs the protocol on the continuous view of the KDD file.
    public static func run(
        _ detector: Detector, data: Dataset, seed: UInt64, epochs: Int? = nil, batchSize: Int? = nil,
        trainingRows: Int = 400_000, progress: ProgressStyle = .automatic
    ) throws -> Result {
        let training = try data.outlierBatch(samples: trainingRows, outlierPercentage: 0, seed: seed)
        let thresholdBatch = try data.outlierBatch(samples: 1000, outlierPercentage: 5, seed: seed)
        let testBatch = try data.outlierBatch(samples: 1000, outlierPercentage: 10, seed: seed &+ 1)
        let model = try makeDetector(detector, seed: seed)
        let options = FitOptions(
            epochs: epochs ?? detector.defaultEpochs, batchSize: batchSize ?? detector.defaultBatchSize, seed: seed, progress: progress)
        let history = try model.fit(training.features, options: options)
        try model.inferThreshold(thresholdBatch.features, percentile: 95)
        let prediction = try model.predict(testBatch.features, returnFeatureScores: true)
        let confusion = try ConfusionMatrix(predictions: prediction.isOutlier, targets: testBatch.targets!)
        let roc = try ROCCurve(scores: prediction.instanceScores, targets: testBatch.targets!)
        // Scoring speed on the training rows (one large batch, as alibi's predict).
        let scoringRows = min(training.count, 100_000)
        let sample = training.features.slice(alongAxis: 0, 0..<scoringRows)
        let start = ContinuousClock.now
        _ = try model.score(sample)
        let seconds = (ContinuousClock.now - start).inSeconds
        let top = testBatch.features.shape[0] > 0 ? Array(prediction.instanceScores.indices.sorted { prediction.instanceScores[$0] > prediction.instanceScores[$1] }.prefix(3)) : []
        let reconstruction = try (model as? any ReconstructingDetector)?.reconstruct(testBatch.features.gatherRows(top))
        func row(_ tensor: Tensor, _ index: Int) -> [Float] { Array(tensor.rowScalars(index)) }
        let details = top.enumerated().map { position, index in
            InstanceDetail(
                index: index, score: prediction.instanceScores[index], features: row(testBatch.features, index),
                featureScores: prediction.featureScores.map { row($0, index) }, reconstruction: reconstruction.map { row($0, position) })
        }
        let latent = try (model as? OutlierAEGMM)?.latent(testBatch.features)
        return Result(
            detector: detector, seed: seed, epochs: options.epochs, threshold: prediction.meta.threshold,
            f1: confusion.f1, precision: confusion.precision, recall: confusion.recall, accuracy: confusion.accuracy,
            rocAUC: roc.area, confusion: confusion,
            fitSecondsPerEpoch: history.epochSeconds.reduce(0, +) / Double(history.epochSeconds.count),
            scoringRowsPerSecond: Double(scoringRows) / seconds, finalLoss: history.loss.last ?? .nan, lossHistory: history.loss,
            testScores: prediction.instanceScores, testTargets: testBatch.targets!, featureNames: data.featureNames, topInstances: details,
            latent: latent.map { z in (0..<z.shape[0]).map { Array(z.scalars[($0 * z.shape[1])..<(($0 + 1) * z.shape[1])]) } } ?? [])
    }
}
