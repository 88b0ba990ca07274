import Foundation
import VigilTensor

extension Chart {
    /// Feature-level outliers of tabular data: for each chosen instance, its top features by
    /// feature score as bars, each labelled with the original and reconstructed value
    /// (alibi-detect's `plot_feature_outlier_tabular`).
    ///
    /// - Parameters:
    ///   - featureScores, originals, reconstructions: `[n, features]` (reconstructions optional).
    ///   - instances: the rows to show (e.g. the highest-scoring ones).
    public static func featureOutliers(
        featureNames: [String], featureScores: Tensor, originals: Tensor, reconstructions: Tensor? = nil,
        instances: [Int], top: Int = 5, title: String = "Top features by feature score", width: Int = defaultSize.width
    ) throws(PlotError) -> SVGChart {
        let name = "feature outlier chart"
        guard featureScores.rank == 2, featureScores.shape[1] == featureNames.count else {
            throw .lengthMismatch(chart: name, expected: "feature scores [n, \(featureNames.count)] (one column per feature name)", actual: "\(featureScores.shape)")
        }
        for (label, tensor) in [("originals", originals), ("reconstructions", reconstructions)] {
            if let tensor, tensor.shape != featureScores.shape { throw .lengthMismatch(chart: name, expected: "\(label) of shape \(featureScores.shape)", actual: "\(tensor.shape)") }
        }
        guard !instances.isEmpty else { throw .empty(chart: name, input: "the list of instances") }
        if let bad = instances.first(where: { !(0..<featureScores.shape[0]).contains($0) }) {
            throw .invalidArgument(chart: name, name: "instance", expected: "in 0..<\(featureScores.shape[0])", actual: "\(bad)")
        }
        guard top >= 1 else { throw .invalidArgument(chart: name, name: "top", expected: "at least 1", actual: "\(top)") }
        if let bad = featureScores.scalars.firstIndex(where: { !$0.isFinite }) { throw .notFinite(chart: name, input: "feature scores", index: bad) }
        let d = featureNames.count, shown = min(top, d)
        let barHeight = 16.0, panelGap = 34.0, left = 170.0, right = 220.0, headerTop = 56.0
        let panelHeight = Double(shown) * (barHeight + 4)
        let height = Int(headerTop + Double(instances.count) * (panelHeight + panelGap))
        var writer = SVGWriter()
        writer.text(Double(width) / 2, 28, title, size: 16, anchor: .middle, weight: "bold")
        let peak = Double(instances.flatMap { row in (0..<d).map { featureScores[row, $0] } }.max()!)
        let barSpace = Double(width) - left - right
        for (panel, row) in instances.enumerated() {
            let y0 = headerTop + Double(panel) * (panelHeight + panelGap)
            let order = (0..<d).sorted { featureScores[row, $0] > featureScores[row, $1] }.prefix(shown)
            let total = (0..<d).reduce(Float(0)) { $0 + featureScores[row, $1] }
            writer.text(16, y0 + 2, "Instance \(row) · mean feature score \(String(format: "%.4g", total / Float(d)))", size: 13, weight: "bold")
            for (rank, feature) in order.enumerated() {
                let y = y0 + 10 + Double(rank) * (barHeight + 4)
                let score = Double(featureScores[row, feature])
                writer.text(left - 8, y + barHeight - 4, featureNames[feature], size: 12, anchor: .end)
                writer.rect(left, y, peak > 0 ? barSpace * score / peak : 0, barHeight, fill: Palette.series(rank == 0 ? 1 : 0), opacity: 0.85)
                var annotation = String(format: "%.3g · x = %.4g", score, originals[row, feature])
                if let reconstructions { annotation += String(format: ", x̂ = %.4g", reconstructions[row, feature]) }
                writer.text(left + barSpace + 8, y + barHeight - 4, annotation, size: 11)
            }
        }
        return writer.document(width: width, height: max(height, 120), title: title)
    }

    /// A scatter plot of two variables, coloured by label (e.g. the AEGMM's latent code
    /// against a reconstruction feature, as alibi-detect's AEGMM example shows).
    public static func scatter(
        x: [Float], y: [Float], labels: [Int]? = nil, xLabel: String, yLabel: String, title: String,
        width: Int = 520, height: Int = 420
    ) throws(PlotError) -> SVGChart {
        let name = "scatter chart"
        let xs = try validated(x.map(Double.init), chart: name, input: "x"), ys = try validated(y.map(Double.init), chart: name, input: "y")
        guard xs.count == ys.count else { throw .lengthMismatch(chart: name, expected: "\(xs.count) y values (one per x)", actual: "\(ys.count)") }
        if let labels, labels.count != xs.count { throw .lengthMismatch(chart: name, expected: "\(xs.count) labels", actual: "\(labels.count)") }
        let frame = PlotFrame(
            width: width, height: height, x: AxisScale.domain(covering: xs, logarithmic: false), y: AxisScale.domain(covering: ys, logarithmic: false))
        var writer = SVGWriter()
        frame.begin(&writer, title: title, xLabel: xLabel, yLabel: yLabel)
        // Inliers first so the rarer outliers stay visible on top.
        for group in [0, 1] {
            for index in xs.indices where (labels?[index] ?? 0) == 1 ? group == 1 : group == 0 {
                let (px, py) = frame.point(xs[index], ys[index])
                writer.circle(px, py, radius: 2.5, fill: group == 1 ? Palette.outlier : Palette.inlier, opacity: 0.7)
            }
        }
        frame.end(&writer)
        if labels != nil { frame.legend(&writer, [("normal", Palette.inlier, false), ("outlier", Palette.outlier, false)]) }
        return writer.document(width: width, height: height, title: title)
    }
}
