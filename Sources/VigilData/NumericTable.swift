import Foundation
import VigilTensor

/// A user's table of numbers from any of the formats Vigil reads, by file name: CSV (plain
/// or gzip-compressed, `.csv`, `.csv.gz`, anything else), NumPy `.npy` (a 2-D array) and
/// `.npz` (a features array and, optionally, a labels array).
public enum NumericTable {
    /// The names a features array goes by in an `.npz`, tried in order when none is given.
    public static let featureKeys = ["x", "X", "features", "data", "arr_0"]
    /// The names a labels array goes by in an `.npz`, tried in order when none is given.
    public static let labelKeys = ["y", "labels", "targets", "arr_1"]

    /// Reads `path` as a data set with at least one feature column. Labels — a CSV's
    /// `labelColumn` (read by `labels`) or an `.npz`'s labels array (numbers: 0 normal, any
    /// other an outlier) — become targets 0/1. A CSV's `excluding` columns are left out.
    ///
    /// - Parameters:
    ///   - categorical: a CSV's columns to one-hot encode (``CategoricalColumn``); an NPY or
    ///     NPZ has none.
    ///   - featuresKey, labelsKey: the arrays of an `.npz`; by default the first of
    ///     ``featureKeys`` and (when present) of ``labelKeys`` that the archive holds.
    /// - Throws: ``DataError`` naming the file and what was expected versus found.
    public static func read(
        _ path: String, labelColumn: String? = nil, labels: LabelCoding = .numeric, excluding: Set<String> = [],
        categorical: CategoricalColumns = .none, featuresKey: String? = nil, labelsKey: String? = nil
    ) throws -> Dataset {
        let lowered = path.lowercased()
        let table: Dataset
        let isArray = lowered.hasSuffix(".npy") || lowered.hasSuffix(".npz")
        if isArray && !categorical.names.isEmpty {
            throw DataError.malformed(
                file: path, expected: "a CSV for categorical columns (\(categorical.names.joined(separator: ", ")))", actual: "a NumPy file of numbers")
        }
        if lowered.hasSuffix(".npy") {
            let features = try matrix(NumPy.read(path: path), file: path)
            table = Dataset(features: features, featureNames: (0..<features.shape[1]).map { "feature_\($0)" })
        } else if lowered.hasSuffix(".npz") {
            table = try archive(path, featuresKey: featuresKey, labelsKey: labelsKey)
        } else {
            table = try CSV.read(path: path, labelColumn: labelColumn, labels: labels, excluding: excluding, categorical: categorical)
        }
        guard table.features.shape[1] >= 1 else {
            throw DataError.malformed(file: path, expected: "at least one feature column", actual: "none besides the label")
        }
        return table
    }

    /// A 2-D array as a `[rows, features]` tensor.
    public static func matrix(_ array: NumPyArray, file: String) throws -> Tensor {
        guard array.shape.count == 2 else {
            throw DataError.malformed(file: file, expected: "a 2-D array [rows, features]", actual: "shape \(array.shape)")
        }
        return array.tensor
    }

    private static func archive(_ path: String, featuresKey: String?, labelsKey: String?) throws -> Dataset {
        let arrays = try NumPy.readArchive(path: path)
        func pick(_ given: String?, _ usual: [String], _ what: String, required: Bool) throws -> NumPyArray? {
            if let given {
                guard let array = arrays[given] else {
                    throw DataError.malformed(file: path, expected: "an array named \"\(given)\" (\(what))", actual: "arrays \(arrays.keys.sorted())")
                }
                return array
            }
            if let key = usual.first(where: { arrays[$0] != nil }) { return arrays[key] }
            if required {
                throw DataError.malformed(
                    file: path, expected: "a \(what) array named one of \(usual) (or name it with --features-key)", actual: "arrays \(arrays.keys.sorted())")
            }
            return nil
        }
        let features = try matrix(try pick(featuresKey, featureKeys, "features", required: true)!, file: path)
        var targets: [Int]?
        if let labels = try pick(labelsKey, labelKeys, "labels", required: labelsKey != nil) {
            guard labels.shape.count == 1 || (labels.shape.count == 2 && labels.shape[1] == 1), labels.tensor.count == features.shape[0] else {
                throw DataError.malformed(
                    file: path, expected: "one label per row (\(features.shape[0]))", actual: "a labels array of shape \(labels.shape)")
            }
            let values = labels.tensor.scalars
            if let bad = values.firstIndex(where: { !$0.isFinite }) {
                throw DataError.unexpectedValue(file: path, line: nil, column: nil, expected: "finite numeric labels", actual: "\(values[bad]) at row \(bad)")
            }
            targets = values.map { $0 == 0 ? 0 : 1 }
        }
        return Dataset(
            features: features, targets: targets, featureNames: (0..<features.shape[1]).map { "feature_\($0)" },
            targetNames: targets == nil ? [] : ["normal", "outlier"])
    }
}
