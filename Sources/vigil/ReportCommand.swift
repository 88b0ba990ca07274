import ArgumentParser
import Foundation
import VigilData
import VigilDetect
import VigilEval
import VigilPlot
import VigilTensor

/// `vigil report`: an HTML report of a saved detector on a data set.
struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write an HTML report of a saved detector on a data set: scores, threshold, metrics and charts.",
        discussion: """
            --data kdd scores alibi-detect's KDD test batch (1,000 records, 10% outliers, \
            drawn with --seed + 1, as the protocol does). A CSV or NPY file is scored as it is; \
            with --label-column (0 = normal) the report adds ROC, precision–recall, the \
            confusion matrix and the metrics.
            """)

    @Option(help: "The saved detector's folder.") var model: String
    @Option(help: "kdd, a .csv/.npy/.npz file of features, or (for a detector trained on images) a folder of PNG files or an [n, h, w, c] array.") var data: String
    @OptionGroup var table: TableOptions
    @Option(help: "With --data kdd: the protocol seed.") var seed: UInt64 = 0
    @Option(help: "How many of the highest-scoring instances to explain feature by feature.") var top: Int = 3
    @Option(help: "Where to write the report.") var out: String = "vigil-report.html"
    @OptionGroup var location: DataCommand.Location

    func validate() throws {
        if top < 0 { throw ValidationError("--top must be at least 0, got \(top)") }
        if table.categorical != nil {
            throw ValidationError("--categorical: the detector's saved encoding is applied; the option is for vigil train and evaluate")
        }
    }

    func run() throws {
        try OutputFile.checkWritable(out, inputs: [data])
        let started = Date()
        let detector = try DetectorStore.load(from: URL(fileURLWithPath: model))
        let kind = type(of: detector).kind
        let dataset: Dataset
        if data == "kdd" {
            let path = try location.store.fetch(KDDCup.tenPercentFile, progress: DownloadProgress(name: KDDCup.tenPercentFile.name).report)
            dataset = try KDDCup.continuousView(path: path.path).outlierBatch(samples: 1000, outlierPercentage: 10, seed: seed &+ 1)
        } else if let shape = detector.training?.imageShape {
            dataset = try FileScoring.images(data, shape: shape, featuresKey: table.featuresKey)
        } else {
            dataset = try table.read(data, encoding: detector.training?.categorical ?? [])
        }
        guard let threshold = detector.threshold else { throw DetectorError.noThreshold(detector: kind) }
        let prediction = try detector.predict(dataset.features, returnFeatureScores: true)
        let scores = prediction.instanceScores
        let labels = dataset.targets.map { $0.map { $0 == 0 ? 0 : 1 } }
        var report = HTMLReport(title: "Vigil — \(kind) on \(data == "kdd" ? "the KDD test batch" : URL(fileURLWithPath: data).lastPathComponent)")
        report.heading("Run")
        let flagged = prediction.isOutlier.reduce(0, +)
        report.facts([
            ("detector", "\(kind) (\(model))"), ("features", "\(detector.featureCount)"), ("threshold", "\(threshold.value) (\(threshold.rule), \(threshold.outlierType.rawValue))"),
            ("standardised", detector.standardizer == nil ? "no" : "yes"), ("data", data), ("rows", "\(dataset.count)"),
            ("flagged", String(format: "%d (%.2f%%)", flagged, 100 * Double(flagged) / Double(max(dataset.count, 1)))),
            ("written", ISO8601DateFormatter().string(from: started)), ("Vigil", VigilDetect.Vigil.version),
        ])
        let positive = scores.allSatisfy { $0 > 0 } && threshold.value > 0
        var charts: [(SVGChart, String?)] = [
            (try Chart.instanceScores(scores, labels: labels, threshold: threshold.outlierType == .instance ? threshold.value : nil, logScale: positive), nil)
        ]
        if let labels, Set(labels).count < 2 {
            report.paragraph("Every row is labelled \(labels.first == 1 ? "an outlier" : "normal"): no ROC or precision–recall curve can be drawn.")
        }
        if let labels, Set(labels).count == 2 {
            let confusion = try ConfusionMatrix(predictions: prediction.isOutlier, targets: labels)
            let roc = try ROCCurve(scores: scores, targets: labels)
            let pr = try PrecisionRecallCurve(scores: scores, targets: labels)
            report.heading("Metrics")
            report.table(
                headers: ["F1", "precision", "recall", "accuracy", "ROC AUC", "average precision", "TP", "FP", "TN", "FN"],
                rows: [[confusion.f1, confusion.precision, confusion.recall, confusion.accuracy, roc.area, pr.averagePrecision].map { String(format: "%.4f", $0) }
                    + [confusion.truePositives, confusion.falsePositives, confusion.trueNegatives, confusion.falseNegatives].map(String.init)])
            charts += [
                (try Chart.scoreHistogram(scores, labels: labels, threshold: threshold.outlierType == .instance ? threshold.value : nil, logScores: positive), nil),
                (try Chart.confusionMatrix(confusion), nil), (try Chart.roc([.init(name: kind, curve: roc)]), nil),
                (try Chart.precisionRecall([(name: kind, curve: pr)]), nil),
            ]
        }
        let chosen = Array(scores.indices.sorted { scores[$0] > scores[$1] }.prefix(top))
        if let shape = detector.training?.imageShape, top > 0 {
            // The highest-scoring images with their reconstructions and feature scores per channel.
            let pictures = [chosen.count] + shape.dimensions
            let reconstruction = try (detector as? any ReconstructingDetector)?.reconstruct(dataset.features.gatherRows(chosen)).reshaped(pictures)
            charts.append((try Chart.imageGrid(
                images: dataset.features.gatherRows(chosen).reshaped(pictures), reconstructions: reconstruction,
                featureScores: prediction.featureScores?.gatherRows(chosen).reshaped(pictures), instanceScores: chosen.map { scores[$0] },
                maxInstances: chosen.count, title: "The \(chosen.count) highest-scoring images"),
                "Each image, its reconstruction and its feature scores per channel (alibi-detect's plot_feature_outlier_image)."))
        } else if let featureScores = prediction.featureScores, top > 0 {
            let reconstruction = try (detector as? any ReconstructingDetector)?.reconstruct(dataset.features.gatherRows(chosen))
            charts.append((try Chart.featureOutliers(
                featureNames: dataset.featureNames, featureScores: featureScores.gatherRows(chosen), originals: dataset.features.gatherRows(chosen),
                reconstructions: reconstruction, instances: Array(chosen.indices), top: 5,
                title: "Top features of the \(chosen.count) highest-scoring instances"), "Feature scores with the original value x and the reconstruction x̂."))
        }
        if let aegmm = detector as? OutlierAEGMM {
            // The z-space of the DAGMM notebook: the code's first unit and the two reconstruction
            // features, in the three pairwise projections, coloured by class (or by flag).
            let z = try aegmm.latent(dataset.features)
            let width = z.shape[1]
            let colours = labels ?? prediction.isOutlier
            func column(_ index: Int) -> [Float] { (0..<z.shape[0]).map { z[$0, index] } }
            let names = aegmm.configuration.features.featureNames
            let (first, second) = ((width - 2, names[0]), (width - 1, names[1]))
            for (x, y) in [((0, "Encoding"), first), ((0, "Encoding"), second), (first, second)] {
                charts.append((try Chart.scatter(x: column(x.0), y: column(y.0), labels: colours, xLabel: x.1, yLabel: y.1, title: "Latent space z"), nil))
            }
        }
        report.heading("Charts")
        report.charts(charts)
        try report.write(to: out, inputs: [data, model + "/config.json", model + "/weights.safetensors"])
        print("wrote \(out)")
    }
}

/// `vigil plot`: one chart from a scores file, for scripts.
struct Plot: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw one chart (SVG) from a CSV of scores, such as vigil score writes.",
        discussion: "Kinds: instance-scores, histogram (needs --label-column), roc and pr (need --label-column).")

    enum Kind: String, ExpressibleByArgument, CaseIterable {
        case instanceScores = "instance-scores", histogram, roc, pr
    }

    @Argument(help: "The chart: instance-scores, histogram, roc or pr.") var kind: Kind
    @Option(help: "A CSV with a header.") var scores: String
    @Option(help: "The column of scores.") var scoreColumn = "instance_score"
    @Option(help: "A column of true labels (0 = normal).") var labelColumn: String?
    @Option(help: "Draw this threshold.") var threshold: Float?
    @Flag(help: "A logarithmic score axis.") var logScale = false
    @Option(help: "The chart title.") var title: String?
    @Option(help: "Where to write the SVG.") var out: String

    func run() throws {
        let table = try CSV.read(path: scores, labelColumn: labelColumn)
        guard let column = table.featureNames.firstIndex(of: scoreColumn) else {
            throw DataError.malformed(
                file: scores, expected: "a column \"\(scoreColumn)\" (--score-column)", actual: "columns \(table.featureNames.joined(separator: ", "))")
        }
        let values = (0..<table.count).map { table.features[$0, column] }
        let labels = table.targets.map { $0.map { $0 == 0 ? 0 : 1 } }
        func needLabels() throws -> [Int] {
            guard let labels else { throw ValidationError("\(kind.rawValue) needs --label-column") }
            return labels
        }
        let chart: SVGChart
        switch kind {
        case .instanceScores:
            chart = try Chart.instanceScores(values, labels: labels, threshold: threshold, logScale: logScale, title: title ?? "Instance scores")
        case .histogram:
            chart = try Chart.scoreHistogram(values, labels: needLabels(), threshold: threshold, logScores: logScale, title: title ?? "Score distribution")
        case .roc:
            chart = try Chart.roc([.init(name: scoreColumn, curve: try ROCCurve(scores: values, targets: needLabels()))], title: title ?? "ROC curve")
        case .pr:
            chart = try Chart.precisionRecall([(name: scoreColumn, curve: try PrecisionRecallCurve(scores: values, targets: needLabels()))], title: title ?? "Precision–recall curve")
        }
        try chart.write(to: out, inputs: [scores])
        print("wrote \(out)")
    }
}
