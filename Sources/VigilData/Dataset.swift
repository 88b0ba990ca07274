import VigilTensor

/// A feature matrix with optional targets and the names that explain them.
public struct Dataset: Sendable {
    /// `[rows, features]`.
    public var features: Tensor
    /// One class per row (e.g. 0 = inlier, 1 = outlier), when known.
    public var targets: [Int]?
    /// One name per feature column.
    public var featureNames: [String]
    /// The name of each target class (`targetNames[target]`).
    public var targetNames: [String]
    /// The original label of each row as a code into ``labelNames`` (e.g. `smurf.`).
    public var labels: [Int]?
    /// The original label names.
    public var labelNames: [String]
    /// The one-hot encoded columns whose features follow the numeric ones (empty for a
    /// table read without `--categorical`).
    public var categorical: [CategoricalColumn] = []

    public init(
        features: Tensor, targets: [Int]? = nil, featureNames: [String], targetNames: [String] = [],
        labels: [Int]? = nil, labelNames: [String] = []
    ) {
        precondition(features.rank == 2, "Dataset: features must be a matrix, got shape \(features.shape)")
        precondition(featureNames.count == features.shape[1], "Dataset: \(featureNames.count) names for \(features.shape[1]) columns")
        precondition(targets == nil || targets!.count == features.shape[0], "Dataset: \(targets!.count) targets for \(features.shape[0]) rows")
        precondition(labels == nil || labels!.count == features.shape[0], "Dataset: \(labels!.count) labels for \(features.shape[0]) rows")
        self.features = features
        self.targets = targets
        self.featureNames = featureNames
        self.targetNames = targetNames
        self.labels = labels
        self.labelNames = labelNames
    }

    /// The number of rows.
    public var count: Int { features.shape[0] }

    /// The rows at `indices`, in that order (targets and labels follow).
    public func rows(_ indices: [Int]) -> Dataset {
        var subset = Dataset(
            features: features.gatherRows(indices), targets: targets.map { t in indices.map { t[$0] } },
            featureNames: featureNames, targetNames: targetNames, labels: labels.map { l in indices.map { l[$0] } },
            labelNames: labelNames)
        subset.categorical = categorical
        return subset
    }

    /// How many rows carry each target, keyed by target name (or number).
    public var targetCounts: [String: Int] {
        guard let targets else { return [:] }
        var counts: [String: Int] = [:]
        for target in targets {
            counts[target < targetNames.count ? targetNames[target] : String(target), default: 0] += 1
        }
        return counts
    }

    /// How many rows carry each original label.
    public var labelCounts: [String: Int] {
        guard let labels else { return [:] }
        var counts = [Int](repeating: 0, count: labelNames.count)
        for label in labels { counts[label] += 1 }
        return Dictionary(uniqueKeysWithValues: zip(labelNames, counts))
    }
}
