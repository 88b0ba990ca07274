import Foundation
import VigilTensor

extension KDDCup {
    /// alibi-detect's `fetch_kdd` view: the 18 continuous features (unscaled), target 0
    /// for `normal.` and 1 for every attack (`targetNames` `["normal", "outlier"]`), and
    /// the original labels.
    public static func continuousView(path: String) throws -> Dataset {
        let positions = numericPositions(of: continuousFeatureNames)
        var values: [Float] = []
        var labels: [Int] = []
        let vocabulary = try forEachRecord(inFile: path) { record in
            for position in positions { values.append(record.numeric[position]) }
            labels.append(record.label)
        }
        let normal = vocabulary.labels.firstIndex(of: normalLabel)
        return Dataset(
            features: Tensor(shape: [labels.count, positions.count], scalars: values),
            targets: labels.map { $0 == normal ? 0 : 1 },
            featureNames: continuousFeatureNames, targetNames: ["normal", "outlier"],
            labels: labels, labelNames: vocabulary.labels)
    }

    /// The DAGMM paper's view: all 41 features, `protocol_type`, `service` and `flag`
    /// one-hot encoded (categories sorted by name, as `pandas.get_dummies` does; 118
    /// columns from the 10% file), every column min-max scaled to `[0, 1]` over the file
    /// (constant columns become 0). Because attacks are most of the data, `normal.` is the
    /// anomaly class: target 1 for `normal.`, 0 for attacks (`targetNames`
    /// `["attack", "normal"]`).
    public static func oneHotView(path: String) throws -> Dataset {
        var numeric: [Float] = []
        var categories: [(Int, Int, Int)] = []
        var labels: [Int] = []
        let vocabulary = try forEachRecord(inFile: path) { record in
            numeric.append(contentsOf: record.numeric)
            categories.append(record.categories)
            labels.append(record.label)
        }
        let rows = labels.count
        let vocabularies = [vocabulary.protocolTypes, vocabulary.services, vocabulary.flags]
        // Sorted category names and the one-hot column of each first-seen code.
        let sorted = vocabularies.map { $0.sorted() }
        let columnOfCode = zip(vocabularies, sorted).map { names, order in names.map { order.firstIndex(of: $0)! } }
        var featureNames: [String] = []
        var blockStart = [Int](repeating: 0, count: 3)
        var numericSlot = [Int](repeating: 0, count: 41)
        for column in 0..<41 {
            if let block = categoricalColumns.firstIndex(of: column) {
                blockStart[block] = featureNames.count
                featureNames += sorted[block].map { "\(columnNames[column])=\($0)" }
            } else {
                numericSlot[column] = featureNames.count
                featureNames.append(columnNames[column])
            }
        }
        let width = featureNames.count
        guard rows > 0 else { throw DataError.malformed(file: path, expected: "at least one record", actual: "none") }
        var scaled = [Float](repeating: 0, count: rows * width)
        let scaler = MinMaxScaler(fitting: Tensor(shape: [rows, 38], scalars: numeric))
        let numericScaled = try scaler.transform(Tensor(shape: [rows, 38], scalars: numeric)).scalars
        for row in 0..<rows {
            let base = row * width
            for (index, column) in numericColumns.enumerated() {
                scaled[base + numericSlot[column]] = numericScaled[row * 38 + index]
            }
            let codes = categories[row]
            scaled[base + blockStart[0] + columnOfCode[0][codes.0]] = 1
            scaled[base + blockStart[1] + columnOfCode[1][codes.1]] = 1
            scaled[base + blockStart[2] + columnOfCode[2][codes.2]] = 1
        }
        let normal = vocabulary.labels.firstIndex(of: normalLabel)
        return Dataset(
            features: Tensor(shape: [rows, width], scalars: scaled),
            targets: labels.map { $0 == normal ? 1 : 0 },
            featureNames: featureNames, targetNames: ["attack", "normal"],
            labels: labels, labelNames: vocabulary.labels)
    }
}
