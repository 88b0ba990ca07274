/// Counts of a binary decision against the truth (1 = outlier, the positive class).
public struct ConfusionMatrix: Codable, Sendable, Equatable {
    public var truePositives = 0
    public var falsePositives = 0
    public var trueNegatives = 0
    public var falseNegatives = 0

    public init(truePositives: Int = 0, falsePositives: Int = 0, trueNegatives: Int = 0, falseNegatives: Int = 0) {
        self.truePositives = truePositives
        self.falsePositives = falsePositives
        self.trueNegatives = trueNegatives
        self.falseNegatives = falseNegatives
    }

    /// Tallies predictions against targets (both 0/1, same length).
    public init(predictions: [Int], targets: [Int]) throws(MetricError) {
        try MetricError.checkLengths(predictions.count, targets.count)
        for (predicted, actual) in zip(predictions, targets) {
            switch (predicted != 0, actual != 0) {
            case (true, true): truePositives += 1
            case (true, false): falsePositives += 1
            case (false, false): trueNegatives += 1
            case (false, true): falseNegatives += 1
            }
        }
    }

    public var total: Int { truePositives + falsePositives + trueNegatives + falseNegatives }
    /// `(TP + TN) / total`.
    public var accuracy: Double { ratio(truePositives + trueNegatives, total) }
    /// `TP / (TP + FP)`; 0 when nothing is predicted positive (scikit-learn's `zero_division=0`).
    public var precision: Double { ratio(truePositives, truePositives + falsePositives) }
    /// `TP / (TP + FN)`; 0 when there are no positives.
    public var recall: Double { ratio(truePositives, truePositives + falseNegatives) }
    /// `FP / (FP + TN)`.
    public var falsePositiveRate: Double { ratio(falsePositives, falsePositives + trueNegatives) }
    /// The harmonic mean of precision and recall.
    public var f1: Double { fScore(beta: 1) }

    /// `(1 + β²)·P·R / (β²·P + R)`; 0 when both are 0.
    public func fScore(beta: Double) -> Double {
        let (p, r) = (precision, recall)
        let denominator = beta * beta * p + r
        return denominator == 0 ? 0 : (1 + beta * beta) * p * r / denominator
    }

    private func ratio(_ a: Int, _ b: Int) -> Double { b == 0 ? 0 : Double(a) / Double(b) }
}

/// Errors from metric computations on unusable input.
public enum MetricError: Error, Equatable, CustomStringConvertible {
    case lengthMismatch(scores: Int, targets: Int)
    case needsBothClasses(positives: Int, negatives: Int)
    case notFinite(index: Int)

    public var description: String {
        switch self {
        case let .lengthMismatch(scores, targets): "metrics: \(scores) scores or predictions for \(targets) targets"
        case let .needsBothClasses(positives, negatives):
            "metrics: the curve needs both classes, got \(positives) outliers and \(negatives) inliers"
        case let .notFinite(index): "metrics: score \(index) is NaN or infinite"
        }
    }

    static func checkLengths(_ a: Int, _ b: Int) throws(MetricError) {
        if a != b { throw .lengthMismatch(scores: a, targets: b) }
    }
}
