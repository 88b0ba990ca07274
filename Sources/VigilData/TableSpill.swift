import Foundation
import VigilTensor

/// A table file's normal rows copied once, in file order, to a ``SpilledRows`` file: what
/// training reads from when the table is larger than memory. A CSV (plain or gzip) and an
/// `.npy` are read front to back in batches, so memory holds one batch.
public struct TableSpill {
    /// The normal rows (label 0; every row without a label column), as Float32.
    public let rows: SpilledRows
    /// The feature columns' names (an `.npy`'s are `feature_0`, `feature_1`, …).
    public let featureNames: [String]
    /// How many rows the file has, normal or not.
    public let fileRows: Int

    /// Spills the normal rows of `path`: a CSV with `labelColumn` read by `labels` (rows with
    /// another label are left out) and `excluding` left out, or an `.npy` of `[rows, features]`.
    ///
    /// - Throws: ``DataError`` naming the file and line as the in-memory readers do; for a
    ///   value that is NaN or infinite (which would poison the streamed sums) the line and
    ///   column; for an `.npz` (its members may be compressed; convert it to `.npy` or CSV);
    ///   for a file without normal rows.
    public static func read(
        path: String, labelColumn: String? = nil, labels: LabelCoding = .numeric, excluding: Set<String> = [],
        folder: String = NSTemporaryDirectory(), batchSize: Int = 65_536
    ) throws -> TableSpill {
        let lowered = path.lowercased()
        var spilled: SpilledRows?
        var names: [String] = []
        var fileRows = 0
        func keep(_ batch: Tensor, place: (Int) -> (line: Int?, row: Int)) throws {
            let columns = batch.shape[1]
            let units = InputLimits.current.maximumLayerUnits
            guard columns <= units else { throw DataError.tooLarge(file: path, what: "features per row (\(columns))", limit: units, setting: "VIGIL_MAX_LAYER_UNITS") }
            if let bad = batch.scalars.firstIndex(where: { !$0.isFinite }) {
                let (line, row) = place(bad / columns)
                throw DataError.unexpectedValue(
                    file: path, line: line, column: line == nil ? nil : bad % columns + 1, expected: "a finite number (row \(row), feature \(names[bad % columns]))",
                    actual: "\(batch.scalars[bad])")
            }
            if spilled == nil { spilled = try SpilledRows(columns: columns, folder: folder) }
            try spilled!.append(batch)
        }
        if lowered.hasSuffix(".npz") {
            throw DataError.malformed(file: path, expected: "a CSV or .npy file to stream (an .npz's members may be compressed; save the array with numpy.save)", actual: "an .npz")
        } else if lowered.hasSuffix(".npy") {
            if let named = labelColumn ?? excluding.sorted().first {
                throw DataError.invalidArgument(name: "column \"\(named)\"", expected: "a CSV (an .npy has no named columns)", actual: "an .npy")
            }
            let shape = try NumPy.forEachBatch(path: path, batchSize: batchSize) { batch, first in
                if names.isEmpty { names = (0..<batch.shape[1]).map { "feature_\($0)" } }
                try keep(batch) { (nil, first + $0) }
            }
            fileRows = shape[0]
        } else {
            try CSV.forEachBatch(path: path, batchSize: batchSize, labelColumn: labelColumn, labels: labelColumn == nil ? nil : labels, excluding: excluding) {
                features, targets, featureNames, lines in
                guard featureNames.count >= 1 else {
                    throw DataError.malformed(file: path, expected: "at least one feature column", actual: "none besides the label")
                }
                names = featureNames
                fileRows += lines.count
                let normal = targets.map { targets in targets.indices.filter { targets[$0] == 0 } } ?? Array(lines.indices)
                guard !normal.isEmpty else { return }
                let kept = normal.count == lines.count ? features : features.gatherRows(normal)
                try keep(kept) { (lines[normal[$0]], fileRows - lines.count + normal[$0]) }
            }
        }
        guard let spilled, spilled.rowCount > 0 else {
            throw DataError.malformed(file: path, expected: "some normal rows to train on", actual: fileRows == 0 ? "no rows" : "every row labelled an outlier")
        }
        return TableSpill(rows: spilled, featureNames: names, fileRows: fileRows)
    }
}
