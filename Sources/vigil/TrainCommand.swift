import ArgumentParser
import Foundation
import VigilData
import VigilDetect
import VigilExperiments
import VigilTensor

/// `vigil train`: fits a detector, sets its threshold and saves it.
extension AlibiKDDProtocol.Detector: ExpressibleByArgument {}

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a detector on KDD Cup '99 or your own CSV/NPY data and save it to a folder.",
        discussion: """
            With --data kdd: alibi-detect's protocol data — 400,000 normal records drawn with \
            the seed, threshold at the 95th percentile of a 1,000-record batch with 5% outliers. \
            With a file: the features of every row (rows whose --label-column is not 0 are \
            left out of training), threshold at --threshold-percentile of the training scores.
            """)

    @Option(help: "vae, aegmm or vaegmm.")
    var detector: AlibiKDDProtocol.Detector

    @Option(help: "kdd, or a .csv/.npy file of features.")
    var data: String

    @Option(help: "In a CSV: the column holding labels (numbers: 0 = normal, any other = outlier).")
    var labelColumn: String?

    @Option(help: "The label of normal rows when the label column holds words (every other label is an outlier).")
    var normalLabel: String?

    @Option(help: "Epochs (default: the KDD protocol's).") var epochs: Int?
    @Option(help: "Batch size (default: the KDD protocol's).") var batchSize: Int?
    @Option(help: "Adam's learning rate.") var learningRate: Float = 1e-3
    @Option(help: "Seed of the initialisation, the data draws and the shuffling.") var seed: UInt64 = 0
    @Option(help: "With a file: the percentile of the training scores used as threshold.") var thresholdPercentile: Double = 95
    @Option(help: "VAE only: mse or proba (reconstruction probability).") var scoreType: OutlierVAE.ScoreType = .meanSquaredError
    @Option(help: "Threshold on instance scores or on feature scores (reconstruction detectors).") var outlierType: OutlierType = .instance

    @Option(help: "The folder to save the detector to.")
    var out: String

    @Flag(help: "Replace a detector already saved at --out (never a file or any other folder).")
    var overwrite = false

    @OptionGroup var location: DataCommand.Location

    func validate() throws {
        if let epochs, epochs < 1 { throw ValidationError("--epochs must be at least 1, got \(epochs)") }
        if let batchSize, batchSize < 1 { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
        if scoreType != .meanSquaredError && detector != .vae { throw ValidationError("--score-type applies to --detector vae only") }
        if !(0...100).contains(thresholdPercentile) { throw ValidationError("--threshold-percentile must be in [0, 100], got \(thresholdPercentile)") }
    }

    func run() throws {
        try DetectorStore.checkDestination(URL(fileURLWithPath: out), overwrite: overwrite)
        let model: any OutlierDetector
        let options = FitOptions(
            epochs: epochs ?? detector.defaultEpochs, batchSize: batchSize ?? detector.defaultBatchSize,
            learningRate: learningRate, seed: seed)
        if data == "kdd" {
            let path = try location.store.fetch(KDDCup.tenPercentFile, progress: DownloadProgress(name: KDDCup.tenPercentFile.name).report)
            let kdd = try KDDCup.continuousView(path: path.path)
            model = try AlibiKDDProtocol.makeDetector(detector, seed: seed)
            (model as? OutlierVAE)?.configuration.scoreType = scoreType
            _ = try model.fit(try kdd.outlierBatch(samples: 400_000, outlierPercentage: 0, seed: seed).features, options: options)
            try model.inferThreshold(
                try kdd.outlierBatch(samples: 1000, outlierPercentage: 5, seed: seed).features, percentile: 95, outlierType: outlierType)
        } else {
            let table = try UserData.load(data, labelColumn: labelColumn, normalLabel: normalLabel)
            let normal = table.targets.map { targets in table.rows(targets.indices.filter { targets[$0] == 0 }) } ?? table
            model = try UserData.detector(detector, featureCount: table.features.shape[1], seed: seed)
            (model as? OutlierVAE)?.configuration.scoreType = scoreType
            _ = try model.fit(normal.features, options: options)
            try model.inferThreshold(normal.features, percentile: thresholdPercentile, outlierType: outlierType)
        }
        try model.save(to: URL(fileURLWithPath: out), overwrite: overwrite)
        print("saved \(type(of: model).kind) to \(out) (threshold \(model.threshold!.value))")
    }
}

/// Reading the user's own data files and sizing detectors for them.
enum UserData {
    /// A CSV (header, numeric columns) or NPY (2-D) file as a data set, with at least one
    /// feature column; labels read as numbers (0 = normal) or, given `normalLabel`, as words.
    static func load(_ path: String, labelColumn: String?, normalLabel: String?) throws -> Dataset {
        let table = try loadTable(path, labelColumn: labelColumn, normalLabel: normalLabel)
        guard table.features.shape[1] >= 1 else {
            throw DataError.malformed(file: path, expected: "at least one feature column", actual: "none besides the label")
        }
        return table
    }

    private static func loadTable(_ path: String, labelColumn: String?, normalLabel: String?) throws -> Dataset {
        if path.lowercased().hasSuffix(".npy") {
            let array = try NumPy.read(path: path)
            guard array.shape.count == 2 else {
                throw DataError.malformed(file: path, expected: "a 2-D array [rows, features]", actual: "shape \(array.shape)")
            }
            return Dataset(features: array.tensor, featureNames: (0..<array.shape[1]).map { "feature_\($0)" })
        }
        return try CSV.read(path: path, labelColumn: labelColumn, labels: normalLabel.map { .normal($0) } ?? .numeric)
    }

    /// The KDD presets' architectures, resized to `featureCount` inputs.
    static func detector(_ kind: AlibiKDDProtocol.Detector, featureCount: Int, seed: UInt64) throws -> any OutlierDetector {
        switch kind {
        case .vae: try OutlierVAE.kddPreset(featureCount: featureCount, configuration: .init(seed: seed), seed: seed)
        case .aegmm: OutlierAEGMM.kddPreset(featureCount: featureCount, seed: seed)
        case .vaegmm: try OutlierVAEGMM.kddPreset(featureCount: featureCount, configuration: .init(seed: seed), seed: seed)
        }
    }
}

extension OutlierVAE.ScoreType: ExpressibleByArgument {}
extension OutlierType: ExpressibleByArgument {}
