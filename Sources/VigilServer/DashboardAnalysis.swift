import Foundation
import VigilDetect
import VigilEval
import VigilPlot
import VigilTensor

/// What the dashboard shows for a batch of records: the charts (VigilPlot's SVG), the
/// metrics when the records carry labels, and the highest-scoring records with their top
/// features (`x` and, for a reconstruction detector, `x̂`).
struct DashboardAnalysis: Encodable {
    struct Feature: Encodable {
        var name: String
        var score: Float
        var x: Float
        var reconstruction: Float?

        enum CodingKeys: String, CodingKey { case name, score, x, reconstruction = "x_hat" }
    }

    struct Record: Encodable {
        var row: Int
        var score: Float
        var outlier: Int
        var label: Int?
        var top: [Feature]
    }

    struct Metrics: Encodable {
        var precision, recall, f1, accuracy, rocAUC, averagePrecision: Double
        var truePositives, falsePositives, trueNegatives, falseNegatives: Int

        enum CodingKeys: String, CodingKey {
            case precision, recall, f1, accuracy, rocAUC = "roc_auc", averagePrecision = "average_precision"
            case truePositives = "true_positives", falsePositives = "false_positives", trueNegatives = "true_negatives", falseNegatives = "false_negatives"
        }
    }

    var model: String
    var kind: String
    var threshold: Float
    var rows: Int
    var flagged: Int
    var charts: [String: String]
    var metrics: Metrics?
    var records: [Record]

    /// At most this many records are listed, the highest scores first.
    static let listedRecords = 200
    /// The most rows the dashboard charts at once (every row is a point of the score chart).
    static let maximumRows = 20_000
    /// Features listed per record.
    static let topFeatures = 5

    init(model: ServedModel, rows: ScoringRows, prediction: Prediction, reconstructions: Tensor?) throws {
        let scores = prediction.instanceScores
        let flags = prediction.isOutlier
        let threshold = prediction.meta.threshold
        self.model = model.name
        kind = model.kind
        self.threshold = threshold
        self.rows = scores.count
        flagged = flags.reduce(0, +)
        var charts: [String: String] = [:]
        charts["scores"] = try Chart.instanceScores(scores, labels: rows.targets, threshold: threshold, title: "Instance scores").svg
        charts["histogram"] = try Chart.scoreHistogram(
            scores, labels: rows.targets ?? flags, threshold: threshold,
            classNames: rows.targets == nil ? ("below the threshold", "above the threshold") : ("normal", "outlier")).svg
        if let targets = rows.targets, targets.contains(0), targets.contains(1) {
            let roc = try ROCCurve(scores: scores, targets: targets)
            let pr = try PrecisionRecallCurve(scores: scores, targets: targets)
            let matrix = try ConfusionMatrix(predictions: flags, targets: targets)
            charts["roc"] = try Chart.roc([.init(name: model.name, curve: roc)]).svg
            charts["pr"] = try Chart.precisionRecall([(model.name, pr)]).svg
            charts["confusion"] = try Chart.confusionMatrix(matrix).svg
            metrics = Metrics(
                precision: matrix.precision, recall: matrix.recall, f1: matrix.f1, accuracy: matrix.accuracy, rocAUC: roc.area,
                averagePrecision: pr.averagePrecision, truePositives: matrix.truePositives, falsePositives: matrix.falsePositives,
                trueNegatives: matrix.trueNegatives, falseNegatives: matrix.falseNegatives)
        }
        let width = model.detector.featureCount
        let names = rows.featureNames ?? model.detector.training?.featureNames ?? (0..<width).map { "feature \($0)" }
        let order = scores.indices.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
        let listed = Array(order.prefix(Self.listedRecords))
        if let feature = prediction.featureScores, model.detector.training?.imageShape == nil {
            charts["features"] = try Chart.featureOutliers(
                featureNames: names, featureScores: feature, originals: rows.features, reconstructions: reconstructions,
                instances: Array(listed.prefix(5)), top: Self.topFeatures).svg
        }
        records = listed.map { row in
            var top: [Feature] = []
            if let feature = prediction.featureScores {
                let rowScores = Array(feature.rowScalars(row))
                let best = rowScores.indices.sorted { rowScores[$0] != rowScores[$1] ? rowScores[$0] > rowScores[$1] : $0 < $1 }.prefix(Self.topFeatures)
                top = best.map { column in
                    Feature(
                        name: names[column], score: rowScores[column], x: rows.features.scalars[row * width + column],
                        reconstruction: reconstructions.map { $0.scalars[row * width + column] })
                }
            }
            return Record(row: row, score: scores[row], outlier: flags[row], label: rows.targets?[row], top: top)
        }
        self.charts = charts
    }
}
