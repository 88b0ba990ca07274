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
        if isArray {
            table = try Self.table(arrays(path, featuresKey: featuresKey, labelsKey: labelsKey), file: path)
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

    /// The features array of an `.npy`, or the features and (when present) labels arrays of
    /// an `.npz`, as stored (any rank): what ``read(_:labelColumn:labels:excluding:categorical:featuresKey:labelsKey:)``
    /// makes a table of and ``ImageFiles`` makes images of, read once.
    static func arrays(_ path: String, featuresKey: String?, labelsKey: String?) throws -> (features: NumPyArray, labels: NumPyArray?) {
        if !path.lowercased().hasSuffix(".npz") { return (try NumPy.read(path: path), nil) }
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
        return (try pick(featuresKey, featureKeys, "features", required: true)!, try pick(labelsKey, labelKeys, "labels", required: labelsKey != nil))
    }

    /// Targets 0/1 from a labels array with one finite number per row (0 normal, any other an outlier).
    static func targets(_ labels: NumPyArray, rows: Int, file path: String) throws -> [Int] {
        guard labels.shape.count == 1 || (labels.shape.count == 2 && labels.shape[1] == 1), labels.tensor.count == rows else {
            throw DataError.malformed(file: path, expected: "one label per row (\(rows))", actual: "a labels array of shape \(labels.shape)")
        }
        let values = labels.tensor.scalars
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw DataError.unexpectedValue(file: path, line: nil, column: nil, expected: "finite numeric labels", actual: "\(values[bad]) at row \(bad)")
        }
        return values.map { $0 == 0 ? 0 : 1 }
    }

    /// The table of arrays read by ``arrays(_:featuresKey:labelsKey:)``.
    static func table(_ arrays: (features: NumPyArray, labels: NumPyArray?), file path: String) throws -> Dataset {
        let features = try matrix(arrays.features, file: path)
        guard features.shape[1] >= 1 else {
            throw DataError.malformed(file: path, expected: "at least one feature column", actual: "shape \(arrays.features.shape)")
        }
        let classes = try arrays.labels.map { try targets($0, rows: features.shape[0], file: path) }
        return Dataset(
            features: features, targets: classes, featureNames: (0..<features.shape[1]).map { "feature_\($0)" },
            targetNames: classes == nil ? [] : ["normal", "outlier"])
    }
}
