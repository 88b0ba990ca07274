import Foundation
import VigilData
import VigilTensor

/// Scores a CSV or NPY file (or, for a detector trained on images, a folder of PNG files or an
/// image array) with a detector and writes the scores to a file, streaming.
public enum FileScoring {
    /// Scores every row of `input` (CSV with a header, plain or gzip, streamed in batches of
    /// `batchSize` rows; a 2-D NPY; an NPZ's features array, `featuresKey` or the usual name) and writes `instance_score`, `is_outlier` (as
    /// ``OutlierDetector/predict(_:returnFeatureScores:)`` flags it) and, with
    /// `featureScores`, one score per feature, as CSV or (for a `.json` path) the
    /// ``PredictionJSON`` document the scoring service answers with.
    /// `output` nil (or `-`) writes to standard output; it may be neither the input nor any
    /// of `others` (the detector's own files). A CSV's `labelColumn`, when named,
    /// and the `excluding` columns are left out of the features; the categorical columns the
    /// detector was trained with (``TrainingRecord/categorical``) are one-hot encoded as
    /// they were then. The output file appears only when every row
    /// was scored: a bad row (wrong column count, non-number) throws an error naming its
    /// line and leaves no file behind.
    public static func run(
        detector: any OutlierDetector, input: String, output: String?, protecting others: [String] = [], labelColumn: String? = nil,
        excluding: Set<String> = [], featuresKey: String? = nil,
        featureScores: Bool = false, batchSize: Int = 65_536
    ) throws {
        guard let threshold = detector.threshold else { throw DetectorError.noThreshold(detector: type(of: detector).kind) }
        let path = output == "-" ? nil : output
        let writer = try ScoreWriter(path: path, json: path?.lowercased().hasSuffix(".json") ?? false, inputs: [input] + others)
        do {
            var rowsBefore = 0
            func emit(_ batch: Tensor, _ lines: [Int]?) throws {
                guard batch.shape[1] == detector.featureCount else {
                    throw DataError.malformed(
                        file: input, expected: "\(detector.featureCount) feature columns (the detector's)",
                        actual: "\(batch.shape[1]) columns" + (lines.map { " at line \($0[0])" } ?? ""))
                }
                let prediction: Prediction
                do { prediction = try detector.predict(batch, returnFeatureScores: featureScores) } catch let error as DetectorError {
                    throw located(error, file: input, lines: lines, rowsBefore: rowsBefore)
                }
                rowsBefore += batch.shape[0]
                try writer.write(prediction, featureScores: featureScores)
            }
            let lowered = input.lowercased()
            let categorical = detector.training?.categorical ?? []
            if let shape = detector.training?.imageShape {
                try emit(try images(input, shape: shape, featuresKey: featuresKey).features, nil)
            } else if lowered.hasSuffix(".npy") && categorical.isEmpty {
                try NumPy.forEachBatch(path: input, batchSize: batchSize) { rows, _ in try emit(rows, nil) }
            } else if lowered.hasSuffix(".npy") || lowered.hasSuffix(".npz") {
                try emit(NumericTable.read(input, categorical: .apply(categorical), featuresKey: featuresKey).features, nil)
            } else {
                try CSV.forEachBatch(path: input, batchSize: batchSize, labelColumn: labelColumn, excluding: excluding, categorical: categorical) {
                    features, _, lines in try emit(features, lines)
                }
            }
            try writer.finish(meta: detector.predictionMeta(threshold: threshold.value))
        } catch {
            writer.abandon()
            throw error
        }
    }

    /// The images of `input` (a folder of PNG files, an `.npy` / `.npz` of `[n, h, w, c]`) as
    /// rows, for a detector trained on images of `shape`, with the `.npz`'s targets (0 normal,
    /// 1 outlier) when it has a labels array.
    ///
    /// - Throws: ``DataError/malformed(file:expected:actual:)`` for a table or images of another shape.
    public static func images(_ input: String, shape: ImageShape, featuresKey: String? = nil) throws -> Dataset {
        let expected = "images of \(shape) (a folder of PNG files or an .npy/.npz of shape [n, \(shape.height), \(shape.width), \(shape.channels)]), as the detector was trained on"
        guard case .images(let set)? = try ImageFiles.read(input, featuresKey: featuresKey) else {
            throw DataError.malformed(file: input, expected: expected, actual: "a table")
        }
        guard ImageShape(of: set) == shape else {
            throw DataError.malformed(file: input, expected: expected, actual: "images of \(ImageShape(of: set))")
        }
        let labelled = set.classNames == ImageFiles.outlierClassNames
        return Dataset(
            features: set.images.reshaped([set.labels.count, shape.valueCount]), targets: labelled ? set.labels : nil,
            featureNames: shape.pixelNames, targetNames: labelled ? set.classNames : [])
    }

    /// A detector's error about a row of a batch, placed in the file: its line (CSV) and its
    /// data row counted from the file's first (0-based, as the scores are written).
    static func located(_ error: DetectorError, file: String, lines: [Int]?, rowsBefore: Int) -> DetectorError {
        let row: Int
        switch error {
        case let .notFinite(_, r, _), let .nonFiniteScore(_, r, _): row = r
        default: return error
        }
        return .inFile(file: file, line: lines.map { $0[row] }, dataRow: rowsBefore + row, error: error)
    }
}

/// Writes scores to a temporary file renamed into place at the end (or to standard output):
/// CSV rows, or the ``PredictionJSON`` document for a `.json` path.
final class ScoreWriter {
    private let json: Bool
    private let stream: OutputFile.Stream?
    private var document: PredictionJSON.Stream?
    private var pending: [UInt8] = []
    private var started = false

    /// A writer to `path` (standard output when `nil`), which must be none of `inputs`.
    init(path: String?, json: Bool, inputs: [String]) throws {
        self.json = json
        stream = try path.map { try OutputFile.Stream(path: $0, inputs: inputs) }
    }

    /// Writes a batch's scores (and its feature scores when asked for and there are any).
    func write(_ prediction: Prediction, featureScores: Bool) throws {
        let features = featureScores ? prediction.featureScores : nil
        if json {
            if document == nil { document = PredictionJSON.Stream(meta: prediction.meta, featureScores: features != nil) }
            pending += document!.append(prediction)
        } else {
            if !started {
                let extra = features.map { feature in (0..<feature.shape[1]).map { "feature_score_\($0)" } } ?? []
                pending += Array((["instance_score", "is_outlier"] + extra).joined(separator: ",").utf8) + [0x0A]
            }
            for row in prediction.instanceScores.indices {
                var fields = [prediction.instanceScores[row].description, String(prediction.isOutlier[row])]
                if let feature = features {
                    fields += feature.rowScalars(row).map(\.description)
                }
                pending += Array(fields.joined(separator: ",").utf8) + [0x0A]
            }
        }
        started = true
        if pending.count > 1 << 20 { try flush() }
    }

    private func flush() throws {
        if let stream { try stream.write(pending) } else {
            do { try FileHandle.standardOutput.write(contentsOf: Data(pending)) } catch {
                throw OutputError.failed(file: "standard output", reason: error.localizedDescription)
            }
        }
        pending.removeAll(keepingCapacity: true)
    }

    /// Ends the document (a JSON file with no rows still gets one) and renames the file into place.
    func finish(meta: Prediction.Meta) throws {
        if json {
            var document = document ?? PredictionJSON.Stream(meta: meta, featureScores: false)
            pending += document.finish()
        }
        try flush()
        try stream?.commit()
    }

    /// Removes the partial output after a failure.
    func abandon() { stream?.abandon() }
}
