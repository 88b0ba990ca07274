import Foundation
import VigilTensor

extension KDDCup {
    /// deepad's KDD protocol: its training set, its published "8020" test split, and the
    /// min-max scaler fitted on the training inliers.
    public struct DeepadSplit: Sendable {
        /// Every inlier record of the training file, shuffled, scaled (targets all 0).
        public var train: Dataset
        /// The 8,000 inliers then the 2,000 outliers of the published split, scaled.
        public var test: Dataset
        /// Fitted on the unscaled training inliers; applied to both sets.
        public var scaler: MinMaxScaler
    }

    /// Reads deepad's attack-type file (`name category` per line).
    public static func attackTypes(path: String) throws -> [String: String] {
        var types: [String: String] = [:]
        try LineReader.forEachLine(path) { line, number in
            let parts = String(decoding: line, as: UTF8.self).split(separator: " ", omittingEmptySubsequences: true)
            if parts.isEmpty { return }
            guard parts.count == 2 else {
                throw DataError.fieldCount(file: path, line: number, expected: 2, actual: parts.count)
            }
            types[String(parts[0])] = String(parts[1])
        }
        return types
    }

    /// deepad's view: the 18 continuous features; target 1 for records whose label (without
    /// its final `.`) is in `training_attack_types.txt` (dos, probe, r2l, u2r) and 0 otherwise;
    /// training on every inlier of `trainingPath` shuffled by `seed`; testing on
    /// `test_inliers.csv` and `test_outliers.csv` of `splitDirectory` (18 features and
    /// `target`); min-max scaling fitted on the training inliers.
    public static func deepadView(trainingPath: String, splitDirectory: String, seed: UInt64) throws -> DeepadSplit {
        try deepadView(training: continuousView(path: trainingPath), splitDirectory: splitDirectory, seed: seed)
    }

    /// deepad's view from an already parsed ``continuousView(path:)`` of the training file.
    public static func deepadView(training all: Dataset, splitDirectory: String, seed: UInt64) throws -> DeepadSplit {
        let directory = URL(fileURLWithPath: splitDirectory)
        let types = try attackTypes(path: directory.appendingPathComponent("training_attack_types.txt").path)
        let isAttack = all.labelNames.map { types[String($0.dropLast($0.hasSuffix(".") ? 1 : 0))] != nil }
        let inliers = all.labels!.indices.filter { !isAttack[all.labels![$0]] }
        guard !inliers.isEmpty else {
            throw DataError.malformed(
                file: directory.appendingPathComponent("training_attack_types.txt").path,
                expected: "attack types that leave some normal records", actual: "every label of the training file listed as an attack")
        }
        var train = all.rows(inliers).shuffled(seed: seed)
        train.targets = Array(repeating: 0, count: train.count)
        train.targetNames = ["normal", "attack"]
        let scaler = MinMaxScaler(fitting: train.features)
        train.features = try scaler.transform(train.features)

        var parts: [Dataset] = []
        for name in ["test_inliers.csv", "test_outliers.csv"] {
            let part = try CSV.read(path: directory.appendingPathComponent(name).path, labelColumn: "target")
            guard part.featureNames == continuousFeatureNames else {
                throw DataError.malformed(
                    file: directory.appendingPathComponent(name).path,
                    expected: "columns \(continuousFeatureNames) and target", actual: "columns \(part.featureNames)")
            }
            parts.append(part)
        }
        let test = Dataset(
            features: try scaler.transform(Tensor.concatenate(parts.map(\.features), alongAxis: 0)),
            targets: parts.flatMap { $0.targets! }, featureNames: continuousFeatureNames, targetNames: ["normal", "attack"])
        return DeepadSplit(train: train, test: test, scaler: scaler)
    }
}
