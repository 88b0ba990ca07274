import Testing
import VigilEval

@Suite("Metrics against hand-computed and scikit-learn values")
struct MetricTests {
    // y = [0, 0, 1, 1, 0, 1], scores = [0.1, 0.4, 0.35, 0.8, 0.2, 0.7]
    let targets = [0, 0, 1, 1, 0, 1]
    let scores: [Float] = [0.1, 0.4, 0.35, 0.8, 0.2, 0.7]

    @Test func confusionMatrixByHand() throws {
        // Predictions at threshold 0.3 (score > 0.3): [0, 1, 1, 1, 0, 1] → TP 3, FP 1, TN 2, FN 0.
        let confusion = try ConfusionMatrix(predictions: [0, 1, 1, 1, 0, 1], targets: targets)
        #expect(confusion == ConfusionMatrix(truePositives: 3, falsePositives: 1, trueNegatives: 2, falseNegatives: 0))
        #expect(confusion.accuracy == 5.0 / 6)
        #expect(confusion.precision == 0.75)
        #expect(confusion.recall == 1)
        #expect(abs(confusion.f1 - 6.0 / 7) < 1e-12)
        // F2 = 5·P·R / (4P + R) = 3.75 / 4 = 0.9375
        #expect(abs(confusion.fScore(beta: 2) - 0.9375) < 1e-12)
        #expect(ConfusionMatrix().precision == 0)
        #expect(throws: MetricError.lengthMismatch(scores: 2, targets: 6)) { try ConfusionMatrix(predictions: [0, 1], targets: targets) }
    }

    @Test func rocMatchesScikitLearn() throws {
        // sklearn.metrics.roc_auc_score(y, scores) = 0.8888888888888888
        // roc_curve(y, scores, drop_intermediate=False):
        //   fpr [0, 0, 0, 1/3, 1/3, 2/3, 1], tpr [0, 1/3, 2/3, 2/3, 1, 1, 1]
        let roc = try ROCCurve(scores: scores, targets: targets)
        #expect(abs(roc.area - 0.8888888888888888) < 1e-12)
        #expect(roc.falsePositiveRates.map { ($0 * 3).rounded() } == [0, 0, 0, 1, 1, 2, 3])
        #expect(roc.truePositiveRates.map { ($0 * 3).rounded() } == [0, 1, 2, 2, 3, 3, 3])
        // Ties count half: all-equal scores give 0.5.
        #expect(try ROCCurve(scores: [1, 1, 1, 1], targets: [0, 1, 0, 1]).area == 0.5)
        #expect(throws: MetricError.needsBothClasses(positives: 0, negatives: 2)) { try ROCCurve(scores: [1, 2], targets: [0, 0]) }
        #expect(throws: MetricError.notFinite(index: 1)) { try ROCCurve(scores: [1, .nan], targets: [0, 1]) }
    }

    @Test func averagePrecisionMatchesScikitLearn() throws {
        // sklearn.metrics.average_precision_score(y, scores) = 0.9166666666666666
        // (ranks: 0.8 ✓ P=1, 0.7 ✓ P=1, 0.4 ✗, 0.35 ✓ P=3/4 → (1 + 1 + 0.75)/3)
        let curve = try PrecisionRecallCurve(scores: scores, targets: targets)
        #expect(abs(curve.averagePrecision - 0.9166666666666666) < 1e-12)
    }

    @Test func bestThresholdSearch() throws {
        let (threshold, confusion) = try ThresholdSearch.best(scores: scores, targets: targets, by: .accuracy)
        // Flagging score ≥ 0.35 gives 5/6; flagging ≥ 0.7 gives 5/6 too; the first best (highest) wins.
        #expect(threshold == 0.7 && confusion.accuracy == 5.0 / 6)
        let (f1Threshold, f1Confusion) = try ThresholdSearch.best(scores: scores, targets: targets, by: .f1)
        #expect(f1Threshold == 0.35 && abs(f1Confusion.f1 - 6.0 / 7) < 1e-12)
    }
}
