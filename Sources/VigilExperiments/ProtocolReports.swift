import Foundation
import VigilDetect
import VigilEval
import VigilPlot
import VigilTensor

/// The HTML reports of `vigil demo` and `vigil evaluate`: each protocol's results composed
/// into a self-contained page (metrics tables, the published figures beside them, charts).
public enum ProtocolReports {
    /// alibi-detect's documented F1 on its KDD examples.
    public static let alibiPublishedF1: [AlibiKDDProtocol.Detector: String] = [.vae: "0.9754", .aegmm: "0.8889", .vaegmm: "0.9463"]

    /// The alibi-detect KDD protocol's report.
    public static func alibi(_ results: [AlibiKDDProtocol.Result], run: [(String, String)]) throws -> HTMLReport {
        var report = HTMLReport(title: "Vigil — alibi-detect's KDD Cup '99 protocol")
        report.paragraph(
            "Train on 400,000 normal records (18 continuous features, standardised); threshold at the 95th percentile of a 1,000-record batch with 5% outliers; predict a 1,000-record batch with 10% outliers.")
        report.heading("Run")
        report.facts(run)
        report.heading("Metrics")
        report.table(
            headers: ["detector", "seed", "epochs", "threshold", "F1", "alibi F1 (docs)", "precision", "recall", "accuracy", "ROC AUC", "TP", "FP", "TN", "FN", "s/epoch", "rows/s scored"],
            rows: results.map { r in
                [
                    r.detector.rawValue, "\(r.seed)", "\(r.epochs)", String(format: "%.4f", r.threshold), String(format: "%.4f", r.f1), alibiPublishedF1[r.detector] ?? "",
                    String(format: "%.4f", r.precision), String(format: "%.4f", r.recall), String(format: "%.4f", r.accuracy), String(format: "%.4f", r.rocAUC),
                    "\(r.confusion.truePositives)", "\(r.confusion.falsePositives)", "\(r.confusion.trueNegatives)", "\(r.confusion.falseNegatives)",
                    String(format: "%.3f", r.fitSecondsPerEpoch), String(format: "%.0f", r.scoringRowsPerSecond),
                ]
            })
        let firstRuns = AlibiKDDProtocol.Detector.allCases.compactMap { detector in results.first { $0.detector == detector } }
        report.heading("ROC and precision–recall on the test batch")
        report.charts([
            (try Chart.roc(firstRuns.map { .init(name: "\($0.detector.rawValue) seed \($0.seed)", curve: try ROCCurve(scores: $0.testScores, targets: $0.testTargets)) }), nil),
            (try Chart.precisionRecall(firstRuns.map { (name: "\($0.detector.rawValue) seed \($0.seed)", curve: try PrecisionRecallCurve(scores: $0.testScores, targets: $0.testTargets)) }), nil),
        ])
        for result in firstRuns {
            let name = "\(result.detector.rawValue), seed \(result.seed)"
            report.heading("\(name)")
            var charts: [(SVGChart, String?)] = [
                (try Chart.instanceScores(result.testScores, labels: result.testTargets, threshold: result.threshold, logScale: result.testScores.allSatisfy { $0 > 0 }, title: "Instance scores — \(name)"),
                 "Each test instance's score (log scale where all scores are positive), coloured by its true class; the dashed line is the inferred threshold."),
                (try Chart.scoreHistogram(
                    result.testScores, labels: result.testTargets, threshold: result.threshold, logScores: result.testScores.allSatisfy { $0 > 0 } && result.threshold > 0,
                    title: "Score distribution — \(name)"), nil),
                (try Chart.confusionMatrix(result.confusion, title: "Confusion matrix — \(name)"), nil),
                (try Chart.loss(result.lossHistory, logScale: result.lossHistory.allSatisfy { $0 > 0 }, title: "Training loss — \(name)"), nil),
            ]
            if let details = try featureDetails(result) {
                charts.append((details, "The three highest-scoring test instances: their features with the largest feature scores, the original value x and its reconstruction x̂."))
            }
            if result.latent.count == result.testTargets.count, let width = result.latent.first?.count, width >= 3 {
                let code = result.latent.map { $0[0] }
                charts.append((try Chart.scatter(x: code, y: result.latent.map { $0[width - 1] }, labels: result.testTargets, xLabel: "Encoding", yLabel: "Relative Euclidean distance", title: "Latent space — \(name)"), nil))
                charts.append((try Chart.scatter(x: code, y: result.latent.map { $0[width - 2] }, labels: result.testTargets, xLabel: "Encoding", yLabel: "Cosine feature (−cos)", title: "Latent space — \(name)"), nil))
            }
            report.charts(charts)
        }
        return report
    }

    static func featureDetails(_ result: AlibiKDDProtocol.Result) throws -> SVGChart? {
        let details = result.topInstances
        guard !details.isEmpty, details.allSatisfy({ $0.featureScores != nil }) else { return nil }
        let width = result.featureNames.count
        func matrix(_ rows: [[Float]]) -> Tensor { Tensor(shape: [rows.count, width], scalars: rows.flatMap { $0 }) }
        let reconstructions = details.allSatisfy { $0.reconstruction != nil } ? matrix(details.map { $0.reconstruction! }) : nil
        return try Chart.featureOutliers(
            featureNames: result.featureNames, featureScores: matrix(details.map { $0.featureScores! }), originals: matrix(details.map(\.features)),
            reconstructions: reconstructions, instances: Array(details.indices), top: 5,
            title: "Top features of the highest-scoring instances — \(result.detector.rawValue)")
    }

    /// deepad's published figures (REFERENCE.md), for the comparison column.
    public static let deepadPublished: [DeepadProtocol.Model: (auc: Double, f1: Double)] = [
        .autoencoder: (0.956, 0.515), .vae: (0.947, 0.829), .bigan: (0.947, 0.812), .seq2seq: (0.806, 0.645), .pca: (0.754, 0.776), .ocsvm: (0.958, 0.868),
    ]

    /// deepad's comparison report.
    public static func deepad(_ results: [DeepadProtocol.Result], targets: [Int], run: [(String, String)]) throws -> HTMLReport {
        var report = HTMLReport(title: "Vigil — deepad's KDD Cup '99 comparison")
        report.paragraph(
            "Train on every normal record of the 10% file (18 features, min-max scaled); score deepad's published test split (8,000 inliers, 2,000 outliers); threshold chosen for the best accuracy.")
        report.heading("Run")
        report.facts(run)
        report.heading("Metrics (deepad's published figures beside Vigil's)")
        report.table(
            headers: ["model", "ROC AUC", "deepad AUC", "accuracy", "precision", "recall", "F1", "deepad F1", "F2", "threshold", "fit s"],
            rows: results.map { r in
                let published = deepadPublished[r.model]
                return [
                    r.model.title, String(format: "%.3f", r.rocAUC), published.map { String(format: "%.3f", $0.auc) } ?? "", String(format: "%.3f", r.accuracy),
                    String(format: "%.3f", r.precision), String(format: "%.3f", r.recall), String(format: "%.3f", r.f1),
                    published.map { String(format: "%.3f", $0.f1) } ?? "", String(format: "%.3f", r.f2), String(format: "%.4g", r.threshold), String(format: "%.1f", r.fitSeconds),
                ]
            })
        report.heading("ROC curves")
        report.charts([(try Chart.roc(results.map { .init(name: $0.model.title, curve: try ROCCurve(scores: $0.scores, targets: targets)) }, width: 620, height: 520), nil)])
        report.heading("Score histograms")
        report.charts(try results.map { r in
            (try Chart.scoreHistogram(
                r.scores, labels: targets, threshold: r.threshold, logScores: r.scores.allSatisfy { $0 > 0 } && r.threshold > 0, title: r.model.title,
                width: 520, height: 340), nil)
        })
        return report
    }

    /// The semi-supervised protocol's report on a user's table: per detector the mean ±
    /// deviation over seeds of ROC AUC, average precision, F1 and fit time, and the first
    /// seed's ROC curves.
    public static func tabular(_ results: [TabularProtocol.Result], data: String, run: [(String, String)]) throws -> HTMLReport {
        var report = HTMLReport(title: "Vigil — detectors on \(data)")
        report.paragraph(
            "Semi-supervised: train on a seeded half of the normal rows; test on the other half plus every anomaly. F1 flags the k highest test scores, k = the number of test anomalies.")
        report.heading("Run")
        report.facts(run)
        report.heading("Metrics (mean ± deviation over seeds)")
        func summary(_ values: [Double]) -> String {
            let mean = values.reduce(0, +) / Double(values.count)
            guard values.count > 1 else { return String(format: "%.3f", mean) }
            let deviation = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count - 1)).squareRoot()
            return String(format: "%.3f ± %.3f", mean, deviation)
        }
        let detectors = results.map(\.detector).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        report.table(
            headers: ["detector", "seeds", "ROC AUC", "average precision", "F1 at k", "fit s", "rows/s scored"],
            rows: detectors.map { name in
                let runs = results.filter { $0.detector == name }
                return [
                    name, "\(runs.count)", summary(runs.map(\.rocAUC)), summary(runs.map(\.averagePrecision)), summary(runs.map(\.f1)),
                    String(format: "%.2f", runs.map(\.fitSeconds).reduce(0, +) / Double(runs.count)),
                    String(format: "%.0f", runs.map(\.scoreRowsPerSecond).reduce(0, +) / Double(runs.count)),
                ]
            })
        let first = detectors.compactMap { name in results.first { $0.detector == name } }
        report.heading("ROC curves (seed \(first.first?.seed ?? 0))")
        report.charts([(try Chart.roc(first.map { .init(name: $0.detector, curve: try ROCCurve(scores: $0.scores, targets: $0.testTargets)) }, width: 620, height: 520), nil)])
        return report
    }

    /// The DAGMM protocol's report.
    public static func dagmm(_ results: [DAGMMProtocol.Result], run: [(String, String)]) throws -> HTMLReport {
        var report = HTMLReport(title: "Vigil — the DAGMM paper's KDDCUP protocol")
        report.heading("Run")
        report.facts(run)
        report.heading("Metrics")
        report.table(
            headers: ["protocol", "seed", "epochs", "precision", "recall", "F1", "accuracy", "untrained F1", "s/epoch"],
            rows: results.map { r in
                [r.variant.rawValue, "\(r.seed)", "\(r.epochs)"] + [r.precision, r.recall, r.f1, r.accuracy, r.untrainedF1].map { String(format: "%.4f", $0) }
                    + [String(format: "%.3f", r.secondsPerEpoch)]
            })
        report.paragraph("Published: paper KDDCUP F1 0.9369, KDDCUP-Rev F1 0.9380; public PyTorch notebook F1 0.9611 after 200 epochs.")
        let charted = results.filter { !$0.testScores.isEmpty }
        guard let first = charted.first else { return report }
        report.heading("Charts")
        let name = "\(first.variant.rawValue), seed \(first.seed)"
        // Which records are the anomalies depends on the variant.
        let classes = first.variant == .kdd ? (inlier: "attack", outlier: "normal. (anomaly)") : (inlier: "normal.", outlier: "attack (anomaly)")
        report.charts([
            (try Chart.roc(charted.map { .init(name: "seed \($0.seed)", curve: try ROCCurve(scores: $0.testScores, targets: $0.testTargets)) }, title: "ROC curves of the test energies"), nil),
            (try Chart.scoreHistogram(
                first.testScores, labels: first.testTargets, threshold: first.threshold, bins: 60, classNames: classes, title: "Test energies — \(name)"),
             "The dashed line is the 80th percentile of the train + test energies."),
            (try Chart.confusionMatrix(first.confusion, classNames: (classes.inlier, classes.outlier), title: "Confusion matrix — \(name)"), nil),
            (try Chart.loss(first.lossHistory, title: "Training loss — \(name)"), nil),
        ])
        return report
    }

    /// Facts every report starts with.
    public static func runFacts(data: String, extra: [(String, String)], started: Date, elapsed: Double) -> [(String, String)] {
        [("data", data)] + extra + [
            ("started", ISO8601DateFormatter().string(from: started)), ("wall time", String(format: "%.1f s", elapsed)),
            ("threads", "\(ComputeThreads.count)"), ("Vigil", VigilDetect.Vigil.version),
        ]
    }
}
