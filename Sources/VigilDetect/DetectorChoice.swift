import VigilNN
import VigilTensor

/// The detectors `vigil train --detector` offers on a table: each names the kind it makes,
/// the network it builds for `featureCount` columns — sized for the table by ``TableSizing``
/// (the default), the reference example's (``NetworkSizing/reference``) or, for the VAE,
/// Vigil's KDD variant of it (``NetworkSizing/kddRecommended``) — and the reference's
/// training settings, which ``plan(rows:seed:networks:)`` adapts to the table.
/// The settings listed per case are the reference's; ``fitSettings(_:)`` says where the
/// table networks differ.
public enum DetectorChoice: String, CaseIterable, Sendable {
    /// deepad's autoencoder (``OutlierAE``): 14 epochs, batch 128, learning rate 0.01.
    case ae
    /// alibi-detect's KDD OutlierVAE: 30 epochs, batch 64, learning rate 1e-3 (with the
    /// reference network, the example's 5 samples and `sim` 0.01; with the table network,
    /// alibi's defaults, 10 and 0.05).
    case vae
    /// alibi-detect's KDD OutlierAEGMM: 50 epochs, batch 1,024, learning rate 1e-3.
    case aegmm
    /// alibi-detect's KDD OutlierVAEGMM: 50 epochs, batch 1,024, learning rate 1e-3 (with the
    /// reference network, the example's `sim` 0.0025; with the table network, alibi's 0.05).
    case vaegmm
    /// The DAGMM paper's model (an ``OutlierAEGMM`` with k = 4 and a dropout estimation
    /// network; the paper's reconstruction features with its reference network, the
    /// root-mean-square error with the table network): 20 epochs (the paper trains 200; longer runs drift, see README), batch 1,024,
    /// learning rate 1e-4, gradients clipped to norm 5.
    case dagmm
    /// deepad's BiGAN: 15 epochs, batch 256, learning rate 1e-3.
    case bigan
    /// deepad's sequence-to-sequence LSTM: 40 epochs, batch 256, learning rate 0.01.
    case seq2seq
    /// Principal components explaining 90% of the variance; the score is the reconstruction error.
    case pca
    /// One-class SVM with PyOD's defaults: ν 0.5, RBF γ = 1/features (on standardised data),
    /// fitted on at most 20,000 training rows (seeded; as the PyOD figures of TUNING.md).
    case ocsvm
    /// Isolation Forest with scikit-learn's defaults: 100 trees of 256 rows.
    case iforest

    /// The detector `vigil train` uses when none is named: on the tabular tuning corpus
    /// (semi-supervised protocol, seeds 0–2, all ten tables, PyOD in the same run; README) the
    /// table autoencoder matched or beat PyOD's IForest on nine of the ten (all but spambase)
    /// and had the best or second-best ROC AUC of Vigil's detectors on eight.
    public static let recommended = DetectorChoice.ae

    /// The untrained detector for `featureCount` columns, initialised from `seed`, with the
    /// networks of `networks`.
    ///
    /// Throws ``DetectorError/invalidArgument(name:expected:actual:)`` when the detector has
    /// no such networks (``supports(_:)``).
    public func make(featureCount: Int, seed: UInt64, networks: NetworkSizing = .table) throws -> any RegisteredDetector {
        guard supports(networks) else {
            throw DetectorError.invalidArgument(
                name: "networks for \(rawValue)", expected: "table or reference (kdd-recommended is a VAE's)", actual: networks.rawValue)
        }
        let sizing = TableSizing(featureCount: featureCount)
        let table = networks == .table
        switch self {
        case .ae:
            return table ? try OutlierAE.tablePreset(sizing, seed: seed) : try OutlierAE.deepadPreset(featureCount: featureCount, seed: seed)
        case .vae:
            switch networks {
            case .table: return try OutlierVAE.tablePreset(sizing, configuration: .init(seed: seed), seed: seed)
            case .reference: return try OutlierVAE.kddPreset(featureCount: featureCount, configuration: .kddExample(seed: seed), seed: seed)
            case .kddRecommended: return try OutlierVAE.kddRecommendedPreset(featureCount: featureCount, seed: seed)
            }
        case .aegmm:
            return table
                ? OutlierAEGMM.tablePreset(sizing, configuration: .init(features: .rootMeanSquare), seed: seed)
                : OutlierAEGMM.kddPreset(featureCount: featureCount, seed: seed)
        case .vaegmm:
            return table
                ? try OutlierVAEGMM.tablePreset(sizing, configuration: .init(seed: seed, features: .rootMeanSquare), seed: seed)
                : try OutlierVAEGMM.kddPreset(featureCount: featureCount, configuration: .kddExample(seed: seed), seed: seed)
        case .dagmm:
            return table
                ? OutlierAEGMM.tablePreset(sizing, configuration: .init(jitter: 1e-8, features: .rootMeanSquare), seed: seed)
                : OutlierAEGMM.dagmmPreset(featureCount: featureCount, seed: seed)
        case .bigan:
            return table
                ? try BiGANDetector.deepadPreset(featureCount: featureCount, latentDimension: sizing.latent, width: sizing.hidden, seed: seed)
                : try BiGANDetector.deepadPreset(featureCount: featureCount, seed: seed)
        case .seq2seq: return try Seq2SeqDetector.deepadPreset(featureCount: featureCount, seed: seed)
        case .pca: return try PCADetector(featureCount: featureCount, configuration: .init(components: .explainedVariance(0.9)))
        case .ocsvm:
            return try OneClassSVM(
                featureCount: featureCount, configuration: .init(nu: 0.5, gamma: 1 / Float(featureCount), maximumTrainingRows: 20_000, seed: seed))
        case .iforest: return try IsolationForest(featureCount: featureCount, configuration: .init(seed: seed))
        }
    }

    /// The reference's epochs, batch size, learning rate and clipping; `nil` for the
    /// detectors without a training loop.
    public var referenceFit: (epochs: Int, batchSize: Int, learningRate: Float, clipNorm: Float?)? {
        switch self {
        case .ae: (14, 128, 0.01, nil)
        case .vae: (30, 64, 1e-3, nil)
        case .aegmm, .vaegmm: (50, 1024, 1e-3, nil)
        case .dagmm: (20, 1024, 1e-4, 5)
        case .bigan: (15, 256, 1e-3, nil)
        case .seq2seq: (40, 256, 0.01, nil)
        case .pca, .ocsvm, .iforest: nil
        }
    }

    /// Whether the detector can build `networks`: every detector has the table and the
    /// reference networks; only the VAE has ``NetworkSizing/kddRecommended``.
    public func supports(_ networks: NetworkSizing) -> Bool { networks != .kddRecommended || self == .vae }

    /// Why the table networks have their sizes, for `--explain` (empty for the detectors
    /// whose network is not sized by ``TableSizing``).
    public func sizingReasons(featureCount: Int) -> [(String, String)] {
        let sizing = TableSizing(featureCount: featureCount)
        switch self {
        case .ae: return sizing.reasons(latent: false, code: false)
        case .vae: return sizing.reasons(latent: true, code: false)
        case .bigan: return sizing.reasons(latent: true, code: false, oneHidden: true)
        case .aegmm, .vaegmm, .dagmm: return sizing.reasons(latent: false, code: true)
        case .seq2seq, .pca, .ocsvm, .iforest: return []
        }
    }

    /// Epochs, batch size, learning rate, clipping and the fewest training steps before
    /// ``plan(rows:seed:networks:)`` adapts them to the rows; `nil` for the detectors without
    /// a training loop. With the reference networks (and ``NetworkSizing/kddRecommended``),
    /// the reference's and 1,000 steps; with the
    /// table networks, the same except, for the autoencoder, Adam at 1e-3 (PyOD's; deepad's
    /// 0.01 is for its sigmoid network) and 4,000 steps (its dropout wants longer training:
    /// +0.007 to +0.026 ROC AUC on vowels, optdigits and campaign of the tuning corpus, −0.005
    /// on spambase), and batches of at most 256 for the mixture detectors.
    public func fitSettings(_ networks: NetworkSizing) -> (epochs: Int, batchSize: Int, learningRate: Float, clipNorm: Float?, minimumSteps: Int)? {
        guard let reference = referenceFit else { return nil }
        var settings = (
            epochs: reference.epochs, batchSize: reference.batchSize, learningRate: reference.learningRate, clipNorm: reference.clipNorm,
            minimumSteps: 1_000)
        if networks == .table {
            switch self {
            case .ae: (settings.learningRate, settings.minimumSteps) = (1e-3, 4_000)
            case .aegmm, .vaegmm, .dagmm: settings.batchSize = min(settings.batchSize, 256)
            default: break
            }
        }
        return settings
    }

    /// The training settings for a table of `rows` rows, and why.
    ///
    /// Starting from ``fitSettings(_:)``:
    ///
    /// - Batch: the reference's, but at most `rows / 32` rounded down to a power of two (at
    ///   least 32), so an epoch has about 32 steps or more.
    /// - Epochs: the reference's, raised so that training takes at least the minimum steps of
    ///   ``fitSettings(_:)`` (1,000; 4,000 for the table autoencoder)
    ///   (capped at 20× the reference), so a small table is not left half-trained.
    ///
    /// The reasons are keyed by setting (`"batch size"`, `"epochs"`, `"learning rate"`, `"clipping"`).
    public func plan(rows: Int, seed: UInt64, networks: NetworkSizing = .table) -> (options: FitOptions, reasons: KeyValuePairs<String, String>) {
        guard let start = fitSettings(networks), let reference = referenceFit else {
            return (FitOptions(epochs: 1, seed: seed), ["training": "none: one pass over the \(rows) rows"])
        }
        func source(_ same: Bool) -> String { same ? "the reference's" : "the table networks'" }
        var power = 32
        while power * 2 <= rows / 32 { power *= 2 }
        let batchSize = min(start.batchSize, power)
        let steps = (rows + batchSize - 1) / batchSize
        let minimumSteps = start.minimumSteps
        let epochs = min(20 * start.epochs, max(start.epochs, (minimumSteps + steps - 1) / steps))
        let batchSource = source(start.batchSize == reference.batchSize)
        let reasons: KeyValuePairs<String, String> = [
            "batch size": batchSize == start.batchSize
                ? "\(batchSize): \(batchSource)" : "\(batchSize): \(batchSource) \(start.batchSize) would give fewer than 32 steps per epoch on \(rows) rows",
            "epochs": epochs == start.epochs
                ? "\(epochs): the reference's (\(steps * epochs) steps)" : "\(epochs): the reference's \(start.epochs) give only \(steps * start.epochs) steps; at least \(minimumSteps)",
            "learning rate": "\(start.learningRate): \(source(start.learningRate == reference.learningRate))",
            "clipping": start.clipNorm.map { "global gradient norm \($0): the reference's" } ?? "none: the reference's",
        ]
        return (
            FitOptions(epochs: epochs, batchSize: batchSize, learningRate: start.learningRate, seed: seed, gradientClipNorm: start.clipNorm),
            reasons
        )
    }
}

/// Which networks ``DetectorChoice/make(featureCount:seed:networks:)`` builds.
public enum NetworkSizing: String, CaseIterable, Codable, Sendable {
    /// Sized for the table by ``TableSizing`` (the default).
    case table
    /// The reference example's network (alibi-detect's KDD examples, deepad's models, the
    /// DAGMM paper's KDDCUP network) with only its input and output resized to the table.
    case reference
    /// The VAE Vigil recommends for KDD-like traffic (``OutlierVAE/kddRecommendedPreset(featureCount:seed:)``):
    /// the reference's widths with tanh hidden layers, a 3-wide latent and the `nll` score,
    /// the reference's samples, `sim` and training settings; the VAE only.
    case kddRecommended = "kdd-recommended"
}
