import Foundation
import VigilData
import VigilTensor

/// Scores a CSV or NPY file with a detector and writes the scores to a file, streaming.
public enum FileScoring {
    /// Scores every row of `input` (CSV with a header, streamed in batches of `batchSize`
    /// rows, or a 2-D NPY) and writes `instance_score`, `is_outlier` (as
    /// ``OutlierDetector/predict(_:returnFeatureScores:)`` flags it) and, with
    /// `featureScores`, one score per feature, as CSV or (for a `.json` path) a JSON array.
    /// `output` nil writes to standard output. The output file appears only when every row
    /// was scored: a bad row (wrong column count, non-number) throws an error naming its
    /// line and leaves no file behind.
    public static func run(
        detector: any OutlierDetector, input: String, output: String?, featureScores: Bool = false, batchSize: Int = 65_536
    ) throws {
        guard detector.threshold != nil else { throw DetectorError.noThreshold(detector: type(of: detector).kind) }
        let json = output?.lowercased().hasSuffix(".json") ?? false
        let writer = try ScoreWriter(path: output, json: json)
        do {
            var header = false
            func emit(_ batch: Tensor, _ firstLine: Int) throws {
                guard batch.shape[1] == detector.featureCount else {
                    throw DataError.malformed(
                        file: input, expected: "\(detector.featureCount) feature columns (the detector's)",
                        actual: "\(batch.shape[1]) columns at line \(firstLine)")
                }
                let prediction = try detector.predict(batch, returnFeatureScores: featureScores)
                if !header {
                    header = true
                    let extra = prediction.featureScores != nil ? (0..<detector.featureCount).map { "feature_score_\($0)" } : []
                    writer.begin(columns: ["instance_score", "is_outlier"] + extra)
                }
                for row in 0..<batch.shape[0] {
                    var values = [Double(prediction.instanceScores[row]), Double(prediction.isOutlier[row])]
                    if let feature = prediction.featureScores {
                        values += (0..<detector.featureCount).map { Double(feature[row, $0]) }
                    }
                    writer.row(values)
                }
            }
            if input.lowercased().hasSuffix(".npy") {
                let array = try NumPy.read(path: input)
                guard array.shape.count == 2 else {
                    throw DataError.malformed(file: input, expected: "a 2-D array [rows, features]", actual: "shape \(array.shape)")
                }
                try emit(array.tensor, 1)
            } else {
                try CSV.forEachBatch(path: input, batchSize: batchSize) { features, _, firstLine in try emit(features, firstLine) }
            }
            try writer.finish()
        } catch {
            writer.abandon()
            throw error
        }
    }
}

/// Writes score rows to a temporary file renamed into place at the end (or to standard output).
final class ScoreWriter {
    private let path: String?
    private let json: Bool
    private let temporary: URL?
    private let handle: FileHandle
    private var columns: [String] = []
    private var pending = ""
    private var first = true

    init(path: String?, json: Bool) throws {
        self.path = path
        self.json = json
        if let path {
            let url = URL(fileURLWithPath: path)
            let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).partial")
            guard FileManager.default.createFile(atPath: temporary.path, contents: nil), let handle = FileHandle(forWritingAtPath: temporary.path) else {
                throw DataError.ioFailure(file: path, reason: "cannot create the output file")
            }
            self.temporary = temporary
            self.handle = handle
        } else {
            temporary = nil
            handle = FileHandle.standardOutput
        }
    }

    func begin(columns: [String]) {
        self.columns = columns
        pending += json ? "[" : columns.joined(separator: ",") + "\n"
    }

    func row(_ values: [Double]) {
        if json {
            let fields = zip(columns, values).map { name, value in
                name == "is_outlier" ? "\"\(name)\":\(Int(value))" : "\"\(name)\":\(Float(value))"
            }
            pending += (first ? "\n" : ",\n") + "{" + fields.joined(separator: ",") + "}"
        } else {
            pending += values.enumerated().map { columns[$0.offset] == "is_outlier" ? String(Int($0.element)) : String(Float($0.element)) }
                .joined(separator: ",") + "\n"
        }
        first = false
        if pending.utf8.count > 1 << 20 { flush() }
    }

    private func flush() {
        handle.write(Data(pending.utf8))
        pending = ""
    }

    func finish() throws {
        if json { pending += columns.isEmpty ? "[]\n" : "\n]\n" }
        flush()
        guard let temporary, let path else { return }
        try handle.close()
        if rename(temporary.path, path) != 0 {
            try? FileManager.default.removeItem(at: temporary)
            throw DataError.ioFailure(file: path, reason: "cannot move the scores into place")
        }
    }

    /// Removes the partial output after a failure.
    func abandon() {
        guard let temporary else { return }
        try? handle.close()
        try? FileManager.default.removeItem(at: temporary)
    }
}
