import Foundation

/// The charts Vigil draws. Each takes plain arrays, checks them, and returns an ``SVGChart``.
public enum Chart {
    /// The default chart size in pixels.
    public static let defaultSize = (width: 720, height: 420)

    /// Instance scores against their index, coloured by true label when given, with the
    /// threshold as a dashed line (alibi-detect's `plot_instance_score`).
    ///
    /// - Parameters:
    ///   - labels: 0 (normal) / 1 (outlier) per instance, or `nil` to colour by `score > threshold`.
    ///   - logScale: a logarithmic score axis (every score must be positive).
    ///   - yLimits: a fixed score range; scores outside are drawn at its edge.
    public static func instanceScores(
        _ scores: [Float], labels: [Int]? = nil, threshold: Float? = nil, logScale: Bool = false, yLimits: ClosedRange<Double>? = nil,
        title: String = "Instance scores", width: Int = defaultSize.width, height: Int = defaultSize.height
    ) throws(PlotError) -> SVGChart {
        let name = "instance score chart"
        let values = try validated(scores.map(Double.init), chart: name, input: "scores", positive: logScale)
        if let labels, labels.count != values.count {
            throw .lengthMismatch(chart: name, expected: "\(values.count) labels (one per score)", actual: "\(labels.count)")
        }
        if let threshold, !threshold.isFinite || (logScale && threshold <= 0) {
            throw .invalidArgument(chart: name, name: "threshold", expected: logScale ? "finite and positive" : "finite", actual: "\(threshold)")
        }
        if let yLimits, !(yLimits.lowerBound.isFinite && yLimits.upperBound.isFinite && yLimits.lowerBound < yLimits.upperBound) || (logScale && yLimits.lowerBound <= 0) {
            throw .invalidArgument(chart: name, name: "y limits", expected: "a finite, non-empty range", actual: "\(yLimits)")
        }
        let yDomain = yLimits.map { ($0.lowerBound, $0.upperBound) }
            ?? AxisScale.domain(covering: values + (threshold.map { [Double($0)] } ?? []), logarithmic: logScale)
        let frame = PlotFrame(width: width, height: height, x: (0, Double(max(values.count - 1, 1))), y: yDomain, logY: logScale)
        var writer = SVGWriter()
        frame.begin(&writer, title: title, xLabel: "Instance", yLabel: logScale ? "Score (log scale)" : "Score")
        let flags = labels ?? values.map { value in threshold.map { value > Double($0) ? 1 : 0 } ?? 0 }
        let radius = values.count > 5_000 ? 1.5 : values.count > 1_000 ? 2.2 : 3
        for (index, value) in values.enumerated() {
            let clipped = min(max(value, yDomain.0), yDomain.1)
            let (px, py) = frame.point(Double(index), clipped)
            writer.circle(px, py, radius: radius, fill: flags[index] == 1 ? Palette.outlier : Palette.inlier, opacity: 0.75)
        }
        if let threshold {
            let py = frame.y.position(Double(threshold))
            writer.line(frame.plotLeft, py, frame.plotRight, py, stroke: Palette.threshold, width: 1.5, dash: "6 4", className: "threshold")
        }
        frame.end(&writer)
        let kind = labels == nil ? "flagged" : "true label"
        var entries = [("normal (\(kind))", Palette.inlier, false), ("outlier (\(kind))", Palette.outlier, false)]
        if let threshold { entries.append(("threshold \(String(format: "%.4g", threshold))", Palette.threshold, true)) }
        frame.legend(&writer, entries)
        return writer.document(width: width, height: height, title: title)
    }

    /// Histograms of the scores of inliers and outliers on shared bins, with the threshold
    /// as a dashed vertical line (deepad's score histograms).
    ///
    /// - Parameters:
    ///   - logScores: bins of equal width in log₁₀(score), for heavy-tailed scores (all must be positive).
    ///   - logCounts: a logarithmic count axis.
    ///   - classNames: the names of label 0 and label 1 in the legend.
    public static func scoreHistogram(
        _ scores: [Float], labels: [Int], threshold: Float? = nil, bins: Int = 40, logScores: Bool = false, logCounts: Bool = false,
        classNames: (inlier: String, outlier: String) = ("normal", "outlier"),
        title: String = "Score distribution", width: Int = defaultSize.width, height: Int = defaultSize.height
    ) throws(PlotError) -> SVGChart {
        let name = "score histogram"
        let raw = try validated(scores.map(Double.init), chart: name, input: "scores", positive: logScores)
        if logScores, let threshold, threshold <= 0 {
            throw .invalidArgument(chart: name, name: "threshold", expected: "positive with log scores", actual: "\(threshold)")
        }
        // Bins are laid out in the axis's own coordinate: the score or its logarithm.
        let values = logScores ? raw.map(log10) : raw
        let thresholdCoordinate = threshold.map { logScores ? log10(Double($0)) : Double($0) }
        guard labels.count == values.count else {
            throw .lengthMismatch(chart: name, expected: "\(values.count) labels (one per score)", actual: "\(labels.count)")
        }
        guard bins >= 1 else { throw .invalidArgument(chart: name, name: "bins", expected: "at least 1", actual: "\(bins)") }
        if let threshold, !threshold.isFinite { throw .invalidArgument(chart: name, name: "threshold", expected: "finite", actual: "\(threshold)") }
        let all = values + (thresholdCoordinate.map { [$0] } ?? [])
        var (low, high) = (all.min()!, all.max()!)
        if low == high { (low, high) = (low - 0.5, high + 0.5) }
        let binWidth = (high - low) / Double(bins)
        var counts = [[Int]](repeating: [Int](repeating: 0, count: bins), count: 2)
        for (value, label) in zip(values, labels) {
            counts[label == 1 ? 1 : 0][min(bins - 1, Int((value - low) / binWidth))] += 1
        }
        let peak = Double(counts.flatMap { $0 }.max()!)
        let yDomain = logCounts ? (1.0, pow(10, ceil(log10(max(peak, 10))))) : AxisScale.domain(covering: [0, peak], logarithmic: false)
        let frame = PlotFrame(width: width, height: height, x: (low, high), y: yDomain, logY: logCounts)
        var writer = SVGWriter()
        let xTicks = logScores ? frame.x.ticks().map { ($0, AxisScale(lower: pow(10, low), upper: pow(10, high), start: 0, end: 1, logarithmic: true).label(pow(10, $0))) } : nil
        frame.begin(&writer, title: title, xLabel: logScores ? "Score (log scale)" : "Score", yLabel: logCounts ? "Count (log scale)" : "Count", xTicks: xTicks)
        for (group, colour) in [(0, Palette.inlier), (1, Palette.outlier)] {
            writer.open("g", ["class": group == 0 ? "inliers" : "outliers"])
            for bin in 0..<bins where counts[group][bin] > 0 {
                let x0 = frame.x.position(low + Double(bin) * binWidth), x1 = frame.x.position(low + Double(bin + 1) * binWidth)
                let top = frame.y.position(Double(counts[group][bin]))
                writer.rect(x0, top, x1 - x0, frame.plotBottom - top, fill: colour, opacity: 0.55)
            }
            writer.close("g")
        }
        if let thresholdCoordinate {
            let px = frame.x.position(thresholdCoordinate)
            writer.line(px, frame.plotTop, px, frame.plotBottom, stroke: Palette.threshold, width: 1.5, dash: "6 4", className: "threshold")
        }
        frame.end(&writer)
        let inliers = labels.filter { $0 != 1 }.count
        var entries = [("\(classNames.inlier) (\(inliers))", Palette.inlier, false), ("\(classNames.outlier) (\(labels.count - inliers))", Palette.outlier, false)]
        if let threshold { entries.append(("threshold \(String(format: "%.4g", threshold))", Palette.threshold, true)) }
        frame.legend(&writer, entries)
        return writer.document(width: width, height: height, title: title)
    }
}
