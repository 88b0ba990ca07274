import ArgumentParser
import Foundation
import VigilData
import VigilDetect
import VigilExperiments
import VigilTensor

/// `vigil train`: fits a detector, sets its threshold and saves it.
extension DetectorChoice: ExpressibleByArgument {}
extension NetworkSizing: ExpressibleByArgument {}

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a detector on KDD Cup '99, your own table (CSV, .csv.gz, NPY, NPZ) or images (CIFAR-10, MNIST, PNG files, NPY/NPZ) and save it to a folder.",
        discussion: """
            With --data kdd: alibi-detect's protocol data — 400,000 normal records drawn with \
            the seed, threshold at the 95th percentile of a 1,000-record batch with 5% outliers. \
            With a file: the features of every row (rows whose --label-column is not 0, or not \
            --normal-label, are left out of training). The threshold is the 95th percentile of \
            the training scores (alibi-detect's rule), or --threshold-percentile, \
            --false-positive-rate (on the training rows) or --contamination (on every row). \
            Epochs and batch size follow the detector's reference, adapted to the table's size \
            (--explain says what was chosen and why). With images, --detector vae trains \
            alibi-detect's convolutional VAE sized to the image shape (the CIFAR-10 example's \
            network for 32×32×3); the other detectors see each image as a row of pixels.
            """)

    @Option(help: "The detector: \(DetectorChoice.allCases.map(\.rawValue).joined(separator: ", ")) (default \(DetectorChoice.recommended.rawValue), the one Vigil recommends for tables; see README).")
    var detector: DetectorChoice = DetectorChoice.recommended

    @Option(help: "kdd, a table (.csv plain or gzip, .npy, .npz), or images: cifar10, mnist, a folder of PNG files, an .npy/.npz of shape [n, h, w, c].")
    var data: String

    @OptionGroup var table: TableOptions

    @Option(help: "table: networks sized for the table (the rule --explain prints, the default); reference: the reference example's network, resized only at the input; kdd-recommended (vae only): the reference VAE with tanh hidden layers, a 3-wide latent and the nll score, Vigil's choice for KDD (README).")
    var networks: NetworkSizing?

    @Option(help: "Epochs (default: the detector's reference, adapted to the rows).") var epochs: Int?
    @Option(help: "Batch size (default: the detector's reference, adapted to the rows).") var batchSize: Int?
    @Option(help: "Adam's learning rate (default: the detector's reference).") var learningRate: Float?
    @Option(help: "Seed of the initialisation, the data draws and the shuffling.") var seed: UInt64 = 0
    @Option(help: "With a file: the percentile of the training scores used as threshold (default 95).") var thresholdPercentile: Double?
    @Option(help: "With a file: the share of training rows to flag (the threshold's false-positive rate).") var falsePositiveRate: Double?
    @Option(help: "With a file: the expected share of outliers among all its rows.") var contamination: Double?
    @Option(help: "VAE only: mse, proba (reconstruction probability) or nll (likelihood with a learnt variance per feature); default mse, nll with --networks kdd-recommended.") var scoreType: OutlierVAE.ScoreType?
    @Option(help: "Threshold on instance scores or on feature scores (reconstruction detectors).") var outlierType: OutlierType = .instance
    @Flag(help: "Print the training settings chosen and why.") var explain = false
    @Flag(help: "A table larger than memory (CSV, .csv.gz or .npy; ae, vae, aegmm, vaegmm, dagmm): its normal rows are copied once to an unnamed temporary file (in TMPDIR; rows × features × 4 bytes) and trained on in shuffled blocks of 4,096 rows through a 65,536-row shuffle window (65,536 × features × 4 bytes of memory), standardiser and mixture from streamed sums, threshold from every training row's score.")
    var stream = false
    @Option(help: "Save this many of the rows (evenly spaced, with a label column when they are labelled) as sample.csv beside the detector, for the dashboard of vigil serve; tables only.") var sampleRows = 0

    @Option(help: "The folder to save the detector to.")
    var out: String

    @Flag(help: "Replace a detector already saved at --out (never a file or any other folder).")
    var overwrite = false

    @OptionGroup var location: DataCommand.Location

    func validate() throws {
        if let epochs, epochs < 1 { throw ValidationError("--epochs must be at least 1, got \(epochs)") }
        if let batchSize, batchSize < 1 { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
        if sampleRows < 0 { throw ValidationError("--sample-rows must be at least 0, got \(sampleRows)") }
        if let learningRate, !(learningRate > 0 && learningRate.isFinite) { throw ValidationError("--learning-rate must be positive, got \(learningRate)") }
        if scoreType != nil && detector != .vae { throw ValidationError("--score-type applies to --detector vae only") }
        if let networks, !detector.supports(networks) { throw ValidationError("--networks \(networks.rawValue) applies to --detector vae only") }
        let rules = [thresholdPercentile != nil, falsePositiveRate != nil, contamination != nil].filter { $0 }.count
        if rules > 1 { throw ValidationError("give one of --threshold-percentile, --false-positive-rate and --contamination") }
        if stream {
            if ["kdd", "cifar10", "mnist"].contains(data) { throw ValidationError("--stream reads a table file (CSV, .csv.gz, .npy); --data \(data) is read in memory") }
            if !Self.streamable.contains(detector) { throw streamRefusal }
            if table.categorical != nil { throw ValidationError("--stream reads numeric columns; --categorical needs the table in memory") }
            if contamination != nil { throw ValidationError("--stream trains on the normal rows only; use --threshold-percentile or --false-positive-rate") }
            if outlierType != .instance { throw ValidationError("--stream sets an instance threshold; --outlier-type feature needs every feature score in memory") }
            if sampleRows > 0 { throw ValidationError("--sample-rows needs the table in memory; leave it out with --stream") }
            if table.featuresKey != nil || table.labelsKey != nil { throw ValidationError("--stream reads a CSV or an .npy; --features-key and --labels-key name arrays of an .npz") }
        }
        if data == "kdd" && table.categorical != nil { throw ValidationError("--categorical applies to a CSV of your own, not --data kdd") }
        if data == "kdd" && rules > 0 { throw ValidationError("with --data kdd the threshold is alibi-detect's (95th percentile of its outlier batch)") }
        if let thresholdPercentile, !(0...100).contains(thresholdPercentile) { throw ValidationError("--threshold-percentile must be in [0, 100], got \(thresholdPercentile)") }
        for (name, rate) in [("--false-positive-rate", falsePositiveRate), ("--contamination", contamination)] {
            if let rate, !(rate > 0 && rate < 1) { throw ValidationError("\(name) must be in (0, 1), got \(rate)") }
        }
    }

    func run() throws {
        try DetectorStore.checkDestination(URL(fileURLWithPath: out), overwrite: overwrite)
        if stream { return try runStreamed() }
        let (training, thresholdBatch, everyRow): (Tensor, Tensor, Tensor)
        var categorical: [CategoricalColumn] = []
        var imageShape: ImageShape?
        var featureNames: [String]?
        var sampleSource: Dataset?
        if data == "kdd" {
            let path = try location.store.fetch(KDDCup.tenPercentFile, progress: DownloadProgress(name: KDDCup.tenPercentFile.name).report)
            let kdd = try KDDCup.continuousView(path: path.path)
            featureNames = kdd.featureNames
            training = try kdd.outlierBatch(samples: 400_000, outlierPercentage: 0, seed: seed).features
            let outlierBatch = try kdd.outlierBatch(samples: 1000, outlierPercentage: 5, seed: seed)
            thresholdBatch = outlierBatch.features
            everyRow = thresholdBatch
            sampleSource = outlierBatch
        } else {
            let rows: Dataset
            switch try ImageInput.read(data, location: location, featuresKey: table.featuresKey, labelsKey: table.labelsKey) {
            case .images(let set)?:
                if table.categorical != nil { throw ValidationError("--categorical applies to a CSV, not to images") }
                if networks != nil { throw ValidationError("--networks applies to a table; images get the network of their shape (--explain)") }
                let shape = ImageShape(of: set)
                guard shape.valueCount >= 1, set.labels.count >= 1 else {
                    throw DataError.malformed(file: data, expected: "at least one image of at least one pixel", actual: "\(set.images.shape)")
                }
                imageShape = shape
                rows = Dataset(
                    features: set.images.reshaped([set.labels.count, shape.valueCount]),
                    targets: set.classNames == ImageFiles.outlierClassNames ? set.labels : nil, featureNames: shape.pixelNames,
                    targetNames: set.classNames == ImageFiles.outlierClassNames ? set.classNames : [])
            case .table(let arrays)?:
                if table.categorical != nil {
                    throw DataError.malformed(file: data, expected: "a CSV for categorical columns (\(table.categorical!))", actual: "a NumPy file of numbers")
                }
                rows = arrays
            case nil: rows = try table.read(data)
            }
            categorical = rows.categorical
            if imageShape == nil { featureNames = rows.featureNames }
            // A sample of one-hot columns would not read back as the categories they encode.
            if imageShape == nil && rows.categorical.isEmpty { sampleSource = rows }
            let normal = rows.targets.map { targets in rows.rows(targets.indices.filter { targets[$0] == 0 }) } ?? rows
            guard normal.count > 0 else {
                throw DataError.malformed(file: data, expected: "some normal rows to train on", actual: "every row labelled an outlier")
            }
            (training, thresholdBatch, everyRow) = (normal.features, normal.features, rows.features)
        }
        if sampleRows > 0 && sampleSource == nil {
            throw ValidationError("--sample-rows applies to a table without categorical columns, not to images")
        }
        // A saved detector may have at most VIGIL_MAX_LAYER_UNITS features: refuse a wider
        // table (or larger image) before training rather than save one that will not load.
        let units = InputLimits.current.maximumLayerUnits
        guard training.shape[1] <= units else {
            throw DataError.tooLarge(file: data, what: "features per row (\(training.shape[1]))", limit: units, setting: "VIGIL_MAX_LAYER_UNITS")
        }
        let model = try imageShape.map { try detector.make(imageShape: $0, seed: seed) }
            ?? detector.make(featureCount: training.shape[1], seed: seed, networks: networks ?? .table)
        if let scoreType { (model as? OutlierVAE)?.configuration.scoreType = scoreType }
        let options = trainingOptions(rows: training.shape[0], featureCount: training.shape[1], imageShape: imageShape)
        _ = try model.fit(training, options: options)
        if !categorical.isEmpty { model.training?.categorical = categorical }
        model.training?.imageShape = imageShape
        model.training?.featureNames = featureNames
        if let falsePositiveRate {
            try model.inferThreshold(normalBatch: thresholdBatch, falsePositiveRate: falsePositiveRate)
        } else if let contamination {
            try model.inferThreshold(everyRow, contamination: contamination)
        } else {
            try model.inferThreshold(thresholdBatch, percentile: thresholdPercentile ?? 95, outlierType: outlierType)
        }
        try model.save(to: URL(fileURLWithPath: out), overwrite: overwrite, sample: sample(of: sampleSource))
        let threshold = model.threshold!
        print("saved \(type(of: model).kind) to \(out) (threshold \(threshold.value), \(describe(threshold.rule)))")
    }

    /// The detector's reference settings adapted to `rows` (or the images'), with the options
    /// given; `--explain` prints each and why.
    private func trainingOptions(rows: Int, featureCount: Int, imageShape: ImageShape?) -> FitOptions {
        var (options, reasons) = imageShape == nil
            ? detector.plan(rows: rows, seed: seed, networks: networks ?? .table) : detector.imagePlan(rows: rows, seed: seed)
        var given: [String: String] = [:]
        if let epochs { options.epochs = epochs; given["epochs"] = "\(epochs): --epochs" }
        if let batchSize { options.batchSize = batchSize; given["batch size"] = "\(batchSize): --batch-size" }
        if let learningRate { options.learningRate = learningRate; given["learning rate"] = "\(learningRate): --learning-rate" }
        if explain {
            if let imageShape {
                for (setting, reason) in detector.imageSizingReasons(imageShape) { print("\(detector.rawValue) \(setting) \(reason)") }
            } else if networks ?? .table == .table {
                for (setting, reason) in detector.sizingReasons(featureCount: featureCount) { print("\(detector.rawValue) \(setting) \(reason)") }
            } else if networks == .kddRecommended {
                print("\(detector.rawValue) networks kdd-recommended: the reference's 20/15/7 widths with tanh hidden layers and a 3-wide latent (README)")
                print("\(detector.rawValue) score \(scoreType.map { "\($0.rawValue): --score-type" } ?? "nll: kdd-recommended's")")
            }
            for (setting, reason) in reasons { print("\(detector.rawValue) \(setting) \(given[setting] ?? reason)") }
        }
        return options
    }

    /// The detectors `--stream` trains (those whose kind is ``VigilDetect/RowSourceTraining``).
    static let streamable: [DetectorChoice] = [.ae, .vae, .aegmm, .vaegmm, .dagmm]

    private var streamRefusal: ValidationError {
        let names = Self.streamable.map(\.rawValue)
        return ValidationError("--stream trains \(names.dropLast().joined(separator: ", ")) and \(names.last ?? ""); \(detector.rawValue) needs its rows in memory")
    }

    /// `--stream`: the file's normal rows spilled once to a temporary file, then trained on
    /// in shuffled blocks, the standardiser and mixture fitted from streamed sums and the
    /// threshold from every training row's score — memory holds a shuffle window and one
    /// score per row, never the table.
    private func runStreamed() throws {
        let spill = try TableSpill.read(
            path: data, labelColumn: table.labelColumn, labels: table.normalLabel.map { .normal($0) } ?? .numeric, excluding: table.excluded)
        let rows = spill.rows  // TableSpill refuses rows wider than VIGIL_MAX_LAYER_UNITS on the first batch
        let model = try detector.make(featureCount: rows.columns, seed: seed, networks: networks ?? .table)
        if let scoreType { (model as? OutlierVAE)?.configuration.scoreType = scoreType }
        guard let trainable = model as? any RowSourceTraining else {
            throw streamRefusal
        }
        let options = trainingOptions(rows: rows.rowCount, featureCount: rows.columns, imageShape: nil)
        _ = try trainable.fit(rows: rows, options: options)
        model.training?.featureNames = spill.featureNames
        try model.inferThreshold(rows: rows, percentile: thresholdPercentile ?? 95, falsePositiveRate: falsePositiveRate)
        try model.save(to: URL(fileURLWithPath: out), overwrite: overwrite)
        let threshold = model.threshold!
        print("saved \(type(of: model).kind) to \(out) (threshold \(threshold.value), \(describe(threshold.rule)); \(rows.rowCount) of \(spill.fileRows) rows, streamed)")
    }

    /// `--sample-rows` evenly spaced rows of `source` as CSV, labels in a `label` column.
    private func sample(of source: Dataset?) -> [UInt8]? {
        guard sampleRows > 0, let source else { return nil }
        let count = min(sampleRows, source.count)
        let picked = source.rows((0..<count).map { $0 * source.count / count })
        return Array(CSV.text(picked, targetColumn: "label").utf8)
    }

    private func describe(_ rule: ThresholdRule) -> String {
        switch rule {
        case let .percentile(q): "the \(q)th percentile of the " + (data == "kdd" ? "KDD outlier batch's scores" : "training scores")
        case let .falsePositiveRate(rate): "flagging \(rate) of the training rows"
        case let .contamination(share): "flagging \(share) of all rows"
        case .given: "given with the detector"
        }
    }
}

/// The options naming a user's table and its labels, shared by the commands that read one.
struct TableOptions: ParsableArguments {
    @Option(help: "In a CSV: the column holding labels (numbers: 0 = normal, any other = outlier).")
    var labelColumn: String?

    @Option(help: "The label of normal rows when the label column holds words (every other label is an outlier).")
    var normalLabel: String?

    @Option(help: "In a CSV: comma-separated columns to leave out (identifiers, timestamps, text); pass the same to vigil score.")
    var excludeColumns: String?

    var excluded: Set<String> { Self.columns(excludeColumns) }

    /// The names of a comma-separated column list.
    static func columns(_ list: String?) -> Set<String> {
        Set((list ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
    }

    @Option(help: "In an .npz: the features array (default: the first of \(NumericTable.featureKeys.joined(separator: ", "))).")
    var featuresKey: String?

    @Option(help: "In an .npz: the labels array (default: the first of \(NumericTable.labelKeys.joined(separator: ", ")), when present).")
    var labelsKey: String?

    @Option(help: "In a CSV: comma-separated columns of categories (words or codes) to one-hot encode; the encoding is saved with the detector and applied when scoring.")
    var categorical: String?

    /// Reads a table, one-hot encoding `--categorical`'s columns with categories learnt from
    /// the file, or with `encoding` (a saved detector's) when given.
    func read(_ path: String, encoding: [CategoricalColumn]? = nil) throws -> Dataset {
        try NumericTable.read(
            path, labelColumn: labelColumn, labels: normalLabel.map { .normal($0) } ?? .numeric, excluding: excluded,
            categorical: encoding.map { .apply($0) } ?? .learn(Self.columns(categorical).sorted()), featuresKey: featuresKey, labelsKey: labelsKey)
    }
}

extension OutlierVAE.ScoreType: ExpressibleByArgument {}
extension OutlierType: ExpressibleByArgument {}
