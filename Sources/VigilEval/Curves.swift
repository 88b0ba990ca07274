/// A receiver operating characteristic: false- and true-positive rates as the threshold
/// falls through the distinct scores (higher score = more outlying), as scikit-learn's
/// `roc_curve` with `drop_intermediate=False`: the first point is (0, 0) at threshold +∞.
public struct ROCCurve: Codable, Sendable {
    public var falsePositiveRates: [Double]
    public var truePositiveRates: [Double]
    public var thresholds: [Double]

    /// The curve of `scores` against 0/1 `targets`.
    public init(scores: [Float], targets: [Int]) throws(MetricError) {
        let points = try RankedScores(scores: scores, targets: targets)
        falsePositiveRates = [0]
        truePositiveRates = [0]
        thresholds = [.infinity]
        for point in points.cumulative {
            falsePositiveRates.append(Double(point.falsePositives) / Double(points.negatives))
            truePositiveRates.append(Double(point.truePositives) / Double(points.positives))
            thresholds.append(point.threshold)
        }
    }

    /// The area under the curve by the trapezoidal rule (ties count half, as
    /// scikit-learn's `roc_auc_score`).
    public var area: Double {
        var total = 0.0
        for i in 1..<falsePositiveRates.count {
            total += (falsePositiveRates[i] - falsePositiveRates[i - 1]) * (truePositiveRates[i] + truePositiveRates[i - 1]) / 2
        }
        return total
    }
}

/// Precision against recall as the threshold falls through the distinct scores.
public struct PrecisionRecallCurve: Codable, Sendable {
    public var precisions: [Double]
    public var recalls: [Double]
    public var thresholds: [Double]

    public init(scores: [Float], targets: [Int]) throws(MetricError) {
        let points = try RankedScores(scores: scores, targets: targets)
        precisions = []
        recalls = []
        thresholds = []
        for point in points.cumulative {
            precisions.append(Double(point.truePositives) / Double(point.truePositives + point.falsePositives))
            recalls.append(Double(point.truePositives) / Double(points.positives))
            thresholds.append(point.threshold)
        }
    }

    /// Average precision `Σ (Rₙ − Rₙ₋₁)·Pₙ`, as scikit-learn's `average_precision_score`.
    public var averagePrecision: Double {
        var previousRecall = 0.0
        var total = 0.0
        for (precision, recall) in zip(precisions, recalls) {
            total += (recall - previousRecall) * precision
            previousRecall = recall
        }
        return total
    }
}

/// Scores sorted from most to least outlying with cumulative counts at each distinct score.
struct RankedScores {
    struct Point {
        var threshold: Double
        var truePositives: Int
        var falsePositives: Int
    }

    var cumulative: [Point] = []
    var positives = 0
    var negatives = 0

    init(scores: [Float], targets: [Int]) throws(MetricError) {
        try MetricError.checkLengths(scores.count, targets.count)
        if let bad = scores.firstIndex(where: { !$0.isFinite }) { throw .notFinite(index: bad) }
        positives = targets.filter { $0 != 0 }.count
        negatives = targets.count - positives
        guard positives > 0, negatives > 0 else { throw .needsBothClasses(positives: positives, negatives: negatives) }
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        var truePositives = 0
        var falsePositives = 0
        for (rank, index) in order.enumerated() {
            if targets[index] != 0 { truePositives += 1 } else { falsePositives += 1 }
            let isLastOfTie = rank == order.count - 1 || scores[order[rank + 1]] != scores[index]
            if isLastOfTie {
                cumulative.append(Point(threshold: Double(scores[index]), truePositives: truePositives, falsePositives: falsePositives))
            }
        }
    }
}

/// The threshold that maximises a metric when `score ≥ threshold` counts as an outlier.
public enum ThresholdSearch {
    /// What the search maximises.
    public enum Objective: String, Sendable, Codable, CaseIterable {
        case accuracy, f1
    }

    /// The best threshold among the distinct scores and its confusion matrix.
    public static func best(scores: [Float], targets: [Int], by objective: Objective) throws(MetricError) -> (threshold: Float, confusion: ConfusionMatrix) {
        let points = try RankedScores(scores: scores, targets: targets)
        var best: (Float, ConfusionMatrix, Double)?
        for point in points.cumulative {
            let confusion = ConfusionMatrix(
                truePositives: point.truePositives, falsePositives: point.falsePositives,
                trueNegatives: points.negatives - point.falsePositives, falseNegatives: points.positives - point.truePositives)
            let value = objective == .accuracy ? confusion.accuracy : confusion.f1
            if best == nil || value > best!.2 { best = (Float(point.threshold), confusion, value) }
        }
        return (best!.0, best!.1)
    }
}
