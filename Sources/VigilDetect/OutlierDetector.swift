import VigilData
import VigilNN
import VigilTensor

/// Scores of a batch: one per instance and, where the model has them, one per feature.
public struct OutlierScores: Sendable {
    /// `[n]`: higher is more outlying.
    public var instance: [Float]
    /// `[n, features]`, for reconstruction-based detectors.
    public var feature: Tensor?

    /// Scores of `instance.count` rows, with `[rows, features]` feature scores or none.
    public init(instance: [Float], feature: Tensor?) {
        self.instance = instance
        self.feature = feature
    }

    /// The scores of consecutive batches as one (feature scores when every part has them).
    init(concatenating parts: [OutlierScores]) {
        let features = parts.compactMap(\.feature)
        self.init(instance: parts.flatMap(\.instance), feature: features.count == parts.count ? Tensor.concatenate(features, alongAxis: 0) : nil)
    }
}

/// How a threshold was chosen; stored with the detector.
public enum ThresholdRule: Codable, Sendable, Equatable {
    /// alibi-detect's rule: the given percentile of the scores of a batch.
    case percentile(Double)
    /// The score above which the given fraction of a batch known to be normal falls.
    case falsePositiveRate(Double)
    /// The score above which the given fraction of a batch (the expected contamination) falls.
    case contamination(Double)
    /// A value given with the detector (an imported detector's threshold, from where it was trained).
    case given
}

/// Whether thresholds and flags apply to whole instances or to single features
/// (alibi-detect's `outlier_type`).
public enum OutlierType: String, Codable, Sendable, CaseIterable {
    case instance
    case feature
}

/// A threshold value, the rule that produced it and whether it applies to instance or
/// feature scores.
public struct Threshold: Codable, Sendable, Equatable {
    public var value: Float
    public var rule: ThresholdRule
    public var outlierType: OutlierType

    public init(value: Float, rule: ThresholdRule, outlierType: OutlierType = .instance) {
        self.value = value
        self.rule = rule
        self.outlierType = outlierType
    }

    enum CodingKeys: String, CodingKey { case value, rule, outlierType }

    /// Decodes a saved threshold; `outlierType` defaults to `instance` when absent.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        value = try container.decode(Float.self, forKey: .value)
        rule = try container.decode(ThresholdRule.self, forKey: .rule)
        outlierType = try container.decodeIfPresent(OutlierType.self, forKey: .outlierType) ?? .instance
    }
}

/// The output of ``OutlierDetector/predict(_:returnFeatureScores:)``, as alibi-detect's
/// `{'meta': …, 'data': {instance_score, feature_score, is_outlier}}`.
public struct Prediction: Sendable {
    public struct Meta: Codable, Sendable {
        public var name: String
        public var detectorType = "outlier"
        public var dataType: String
        public var threshold: Float
        public var version: String
    }

    public var meta: Meta
    public var instanceScores: [Float]
    public var featureScores: Tensor?
    /// Per instance, as 0/1: `instance score > threshold`, or, with a feature threshold,
    /// whether any of its features is flagged.
    public var isOutlier: [Int]
    /// With a feature threshold: `[n, features]`, 1 where `feature score > threshold`.
    public var featureIsOutlier: Tensor?
}

/// Options of ``OutlierDetector/fit(_:options:)``.
public struct FitOptions: Sendable {
    public var epochs: Int
    public var batchSize: Int
    public var learningRate: Float
    /// Seeds the shuffling and the sampling noise of training.
    public var seed: UInt64
    /// Fit a ``Standardizer`` on the training data and apply it to every batch the detector sees.
    public var standardize: Bool
    /// Clip gradients to this global norm (none when `nil`).
    public var gradientClipNorm: Float?
    public var progress: ProgressStyle

    public init(
        epochs: Int = 20, batchSize: Int = 64, learningRate: Float = 1e-3, seed: UInt64 = 0, standardize: Bool = true,
        gradientClipNorm: Float? = nil, progress: ProgressStyle = .automatic
    ) {
        self.gradientClipNorm = gradientClipNorm
        self.epochs = epochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.seed = seed
        self.standardize = standardize
        self.progress = progress
    }
}

/// How a detector was trained: the ``FitOptions`` that count and the Vigil that ran them,
/// saved in `config.json` so a saved detector says how it came about.
public struct TrainingRecord: Codable, Sendable, Equatable {
    public var epochs: Int
    public var batchSize: Int
    public var learningRate: Float
    public var seed: UInt64
    public var standardize: Bool
    public var gradientClipNorm: Float?
    public var vigilVersion: String
    /// The table's categorical columns and their categories, one-hot encoded after the numeric
    /// columns before training (`vigil train --categorical`); scoring a CSV applies the same
    /// encoding. Absent when the table had none.
    public var categorical: [CategoricalColumn]?
    /// The shape of the images the detector was trained on, each one row of
    /// `height · width · channels` values (``ImageShape``); scoring and reports read images of
    /// this shape. Absent for a table.
    public var imageShape: ImageShape?
    /// The names of the features in the order the detector reads them (the table's columns
    /// without the label and the excluded ones, one-hot columns last). Absent for images and
    /// for detectors saved before Vigil recorded them.
    public var featureNames: [String]?

    public init(_ options: FitOptions) {
        epochs = options.epochs
        batchSize = options.batchSize
        learningRate = options.learningRate
        seed = options.seed
        standardize = options.standardize
        gradientClipNorm = options.gradientClipNorm
        vigilVersion = Vigil.version
    }
}

/// An outlier detector: fitted on normal data, scores instances, holds a threshold.
public protocol OutlierDetector: AnyObject {
    /// The kind written to a saved detector's configuration (`"OutlierVAE"`, …).
    static var kind: String { get }
    /// The number of features an instance has.
    var featureCount: Int { get }
    /// Applied to every batch before the model sees it, when set.
    var standardizer: Standardizer? { get set }
    var threshold: Threshold? { get set }
    /// How the detector was trained (set by ``fit(_:options:)``, saved with it).
    var training: TrainingRecord? { get set }

    /// Trains on normal data (`[rows, features]`).
    func fit(_ data: Tensor, options: FitOptions) throws -> TrainingHistory

    /// Scores standardised data (the model's own input); see ``score(_:)``.
    func scoreModelInput(_ data: Tensor) throws -> OutlierScores
}

/// Where in scoring a value stopped being finite.
public enum ScoringStage: String, Sendable, CaseIterable {
    /// The stored standardiser (a tiny standard deviation overflows the scaled input).
    case scaler
    /// The networks (weights that overflow an activation or the reconstruction).
    case network
    /// The stored Gaussian mixture (weights, means or covariances that give no finite energy).
    case mixture
}

/// Errors of detectors on unusable input or state.
public enum DetectorError: Error, Equatable, CustomStringConvertible {
    case featureCount(detector: String, expected: Int, actual: [Int])
    /// An input value is NaN or infinite (row and column 0-based within the batch).
    case notFinite(detector: String, row: Int, column: Int)
    /// Scoring produced a NaN or infinite score for a row (0-based within the batch): a
    /// detector that cannot score must not report an inlier.
    case nonFiniteScore(detector: String, row: Int, stage: ScoringStage)
    /// One of the errors above in a file, placed at the row's line.
    indirect case inFile(file: String, line: Int?, dataRow: Int, error: DetectorError)
    case noThreshold(detector: String)
    case invalidArgument(name: String, expected: String, actual: String)

    public var description: String {
        switch self {
        case let .featureCount(detector, expected, actual):
            "\(detector): expected input of shape [rows, \(expected)], got \(actual)"
        case let .notFinite(detector, row, column):
            "\(detector): value at row \(row), column \(column) is NaN or infinite"
        case let .nonFiniteScore(detector, row, stage):
            "\(detector): the score of row \(row) is NaN or infinite (at the \(stage.rawValue) stage); "
                + "the detector's stored \(stage == .scaler ? "standardiser" : stage == .mixture ? "mixture" : "weights") cannot score this row"
        case let .inFile(file, line, dataRow, error):
            "\(file)\(line.map { ":\($0)" } ?? ""): data row \(dataRow): \(error.description)"
        case let .noThreshold(detector):
            "\(detector): no threshold; call inferThreshold first"
        case let .invalidArgument(name, expected, actual):
            "invalid \(name): expected \(expected), got \(actual)"
        }
    }
}

extension OutlierDetector {
    /// Checks the shape and values of input data.
    func validate(_ data: Tensor) throws {
        guard data.rank == 2, data.shape[1] == featureCount, data.shape[0] > 0 else {
            throw DetectorError.featureCount(detector: Self.kind, expected: featureCount, actual: data.shape)
        }
        if let bad = data.scalars.firstIndex(where: { !$0.isFinite }) {
            throw DetectorError.notFinite(detector: Self.kind, row: bad / featureCount, column: bad % featureCount)
        }
    }

    /// The model's input for raw data: validated, then standardised when the detector has a
    /// standardiser (a scaled value that overflows is a ``ScoringStage/scaler`` error).
    func modelInput(_ data: Tensor) throws -> Tensor {
        try validate(data)
        guard let standardizer else { return data }
        let scaled = try standardizer.transform(data)
        if let bad = scaled.scalars.firstIndex(where: { !$0.isFinite }) {
            throw DetectorError.nonFiniteScore(detector: Self.kind, row: bad / featureCount, stage: .scaler)
        }
        return scaled
    }

    /// Scores model input and checks every instance and feature score is finite.
    private func checkedScores(_ input: Tensor) throws -> OutlierScores {
        let scores = try GradientTape.withoutRecording { try scoreModelInput(input) }
        var badRow = scores.instance.firstIndex(where: { !$0.isFinite })
        if badRow == nil, let feature = scores.feature, let bad = feature.scalars.firstIndex(where: { !$0.isFinite }) {
            badRow = bad / max(feature.shape[1], 1)
        }
        guard let badRow else { return scores }
        let row = input.slice(alongAxis: 0, badRow..<(badRow + 1))
        let stage = (self as? any MixtureScoring)?.stageOfNonFiniteScore(modelInput: row) ?? .network
        throw DetectorError.nonFiniteScore(detector: Self.kind, row: badRow, stage: stage)
    }

    /// Fits the standardiser when asked and returns the training input.
    func prepareTraining(_ data: Tensor, options: FitOptions) throws -> Tensor {
        try validate(data)
        try check(options)
        standardizer = options.standardize ? Standardizer(fitting: data) : nil
        training = TrainingRecord(options)
        return try standardizer?.transform(data) ?? data
    }

    /// Throws unless `options` can train: at least one epoch and one row per batch, a positive learning rate.
    func check(_ options: FitOptions) throws {
        guard options.epochs >= 1, options.batchSize >= 1, options.learningRate > 0 else {
            throw DetectorError.invalidArgument(
                name: "fit options", expected: "epochs ≥ 1, batch size ≥ 1, learning rate > 0",
                actual: "epochs \(options.epochs), batch size \(options.batchSize), learning rate \(options.learningRate)")
        }
    }

    /// Trains `module` with Adam on mini-batches of `input`, shuffled from `options.seed`;
    /// `loss` maps a batch (as a constant) to its single-element loss.
    func train(_ module: some Module, on input: Tensor, options: FitOptions, loss: (Variable) throws -> Variable) throws -> TrainingHistory {
        let trainer = Trainer(epochs: options.epochs, batchSize: options.batchSize, seed: options.seed, progress: options.progress)
        let adam = try Adam(learningRate: options.learningRate, globalClipNorm: options.gradientClipNorm)
        return try trainer.fit(module, optimizer: adam, inputs: input) { batch in
            try loss(Variable(batch.inputs))
        }
    }

    /// Instance (and feature) scores of raw data, in chunks of `chunkSize` rows so memory
    /// stays bounded; chunks are scored side by side on ``ComputeThreads`` threads. A row's
    /// score depends only on the row: not on the chunking, the batch or the thread count.
    ///
    /// - Throws: ``DetectorError/nonFiniteScore(detector:row:stage:)`` naming the first row
    ///   whose score is NaN or infinite and the stage that produced it; no score is returned.
    public func score(_ data: Tensor, chunkSize: Int = 16_384) throws -> OutlierScores {
        let input = try modelInput(data)
        let rows = input.shape[0]
        if rows <= chunkSize { return try checkedScores(input) }
        let starts = Array(stride(from: 0, to: rows, by: chunkSize))
        var results = [Result<OutlierScores, Error>?](repeating: nil, count: starts.count)
        results.withUnsafeMutableBufferPointer { buffer in
            let slots = UnsafeSendableSlots(buffer.baseAddress!)
            parallelForEach(starts.count) { index in
                let chunk = input.slice(alongAxis: 0, starts[index]..<min(rows, starts[index] + chunkSize))
                slots.pointer[index] = Result { try checkedScores(chunk) }
            }
        }
        let parts = try results.enumerated().map { index, result in
            do { return try result!.get() } catch let DetectorError.nonFiniteScore(detector, row, stage) {
                throw DetectorError.nonFiniteScore(detector: detector, row: starts[index] + row, stage: stage)
            }
        }
        return OutlierScores(concatenating: parts)
    }

    /// Sets the threshold to the `percentile` of the batch's instance scores — or, with
    /// `outlierType: .feature`, of all its feature scores — with NumPy's linear
    /// interpolation, as alibi-detect's `infer_threshold(X, outlier_type, threshold_perc)`.
    public func inferThreshold(_ batch: Tensor, percentile q: Double = 95, outlierType: OutlierType = .instance) throws {
        try setThreshold(batch, q, .percentile(q), outlierType)
    }

    /// Sets the threshold so that the given fraction of a batch known to be normal is flagged.
    public func inferThreshold(normalBatch: Tensor, falsePositiveRate: Double) throws {
        try setThreshold(normalBatch, 100 * (1 - falsePositiveRate), .falsePositiveRate(falsePositiveRate))
    }

    /// Sets the threshold so that the given fraction (the expected contamination) of a batch is flagged.
    public func inferThreshold(_ batch: Tensor, contamination: Double) throws {
        try setThreshold(batch, 100 * (1 - contamination), .contamination(contamination))
    }

    private func setThreshold(_ batch: Tensor, _ q: Double, _ rule: ThresholdRule, _ outlierType: OutlierType = .instance) throws {
        try Self.check(q, rule)
        let scores = try score(batch)
        let values: [Float]
        switch outlierType {
        case .instance: values = scores.instance
        case .feature:
            guard let feature = scores.feature else {
                throw DetectorError.invalidArgument(name: "outlier type", expected: "instance (\(Self.kind) has no feature scores)", actual: "feature")
            }
            values = feature.scalars
        }
        threshold = Threshold(value: percentile(values, q), rule: rule, outlierType: outlierType)
    }

    /// Throws unless `q` (from `rule`) is a percentile in [0, 100].
    private static func check(_ q: Double, _ rule: ThresholdRule) throws {
        guard (0...100).contains(q) else {
            throw DetectorError.invalidArgument(name: "threshold rule", expected: "a rate in [0, 1] or a percentile in [0, 100]", actual: "\(rule)")
        }
    }

    /// Sets an instance threshold from rows that may live on disk, scored chunk by chunk
    /// (``scoreEachRow(of:chunkRows:)``): the `percentile` of their scores (NumPy's linear
    /// interpolation, as ``inferThreshold(_:percentile:outlierType:)``), or, with a
    /// `falsePositiveRate`, the value that flags that share of them (rows known to be normal).
    public func inferThreshold(rows: some RowSource, percentile q: Double = 95, falsePositiveRate: Double? = nil) throws {
        let q = falsePositiveRate.map { 100 * (1 - $0) } ?? q
        let rule: ThresholdRule = falsePositiveRate.map { .falsePositiveRate($0) } ?? .percentile(q)
        try Self.check(q, rule)
        guard rows.rowCount > 0 else { throw DetectorError.featureCount(detector: Self.kind, expected: featureCount, actual: [0] + rows.rowShape) }
        threshold = Threshold(value: percentile(try scoreEachRow(of: rows), q), rule: rule, outlierType: .instance)
    }

    /// The metadata of this detector's predictions with the threshold `threshold`: its kind,
    /// `"image"` for a detector trained on images (else `"tabular"`) and the library's version.
    public func predictionMeta(threshold: Float) -> Prediction.Meta {
        .init(name: Self.kind, dataType: training?.imageShape == nil ? "tabular" : "image", threshold: threshold, version: Vigil.version)
    }

    /// Scores a batch and flags `score > threshold`.
    public func predict(_ batch: Tensor, returnFeatureScores: Bool = true) throws -> Prediction {
        guard let threshold else { throw DetectorError.noThreshold(detector: Self.kind) }
        let scores = try score(batch)
        var isOutlier = scores.instance.map { $0 > threshold.value ? 1 : 0 }
        var featureIsOutlier: Tensor?
        if threshold.outlierType == .feature, let feature = scores.feature {
            let flags = feature.map { $0 > threshold.value ? 1 : 0 }
            isOutlier = (0..<flags.shape[0]).map { row in flags.rowScalars(row).contains(1) ? 1 : 0 }
            featureIsOutlier = flags
        }
        return Prediction(
            meta: predictionMeta(threshold: threshold.value),
            instanceScores: scores.instance, featureScores: returnFeatureScores ? scores.feature : nil,
            isOutlier: isOutlier, featureIsOutlier: featureIsOutlier)
    }
}

/// A detector whose score is a mixture's energy over a network's output, so a non-finite
/// score can be traced to one or the other.
protocol MixtureScoring: OutlierDetector {
    /// ``ScoringStage/network`` when the mixture's input `z` of the row is not finite,
    /// else ``ScoringStage/mixture``.
    func stageOfNonFiniteScore(modelInput row: Tensor) -> ScoringStage
}

/// The library's version, written into predictions and saved detectors.
public enum Vigil {
    public static let version = "0.1.0"
}

/// A pointer to per-item result slots handed to worker threads; each item writes only its own slot.
struct UnsafeSendableSlots<Element>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Element>
    init(_ pointer: UnsafeMutablePointer<Element>) { self.pointer = pointer }
}
