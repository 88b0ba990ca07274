import Foundation
import VigilEval

extension Chart {
    /// A named curve for ``roc(_:title:width:height:)``.
    public struct NamedROC: Sendable {
        public var name: String
        public var curve: ROCCurve
        public init(name: String, curve: ROCCurve) {
            self.name = name
            self.curve = curve
        }
    }

    /// ROC curves of several detectors on one chart, each labelled with its AUC, and the
    /// chance diagonal (alibi-detect's `plot_roc`).
    public static func roc(
        _ curves: [NamedROC], title: String = "ROC curves", width: Int = 560, height: Int = 480
    ) throws(PlotError) -> SVGChart {
        guard !curves.isEmpty else { throw .empty(chart: "ROC chart", input: "the list of curves") }
        return try lines(
            curves.map { ($0.name + String(format: " (AUC %.3f)", $0.curve.area), zip($0.curve.falsePositiveRates, $0.curve.truePositiveRates).map { ($0, $1) }) },
            chart: "ROC chart", x: (0, 1), y: (0, 1), diagonal: true, legendAtBottom: true,
            title: title, xLabel: "False positive rate", yLabel: "True positive rate", width: width, height: height)
    }

    /// Precision–recall curves with their average precision.
    public static func precisionRecall(
        _ curves: [(name: String, curve: PrecisionRecallCurve)], title: String = "Precision–recall curves", width: Int = 560, height: Int = 480
    ) throws(PlotError) -> SVGChart {
        guard !curves.isEmpty else { throw .empty(chart: "precision–recall chart", input: "the list of curves") }
        return try lines(
            curves.map { ($0.name + String(format: " (AP %.3f)", $0.curve.averagePrecision), zip($0.curve.recalls, $0.curve.precisions).map { ($0, $1) }) },
            chart: "precision–recall chart", x: (0, 1), y: (0, 1), diagonal: false, legendAtBottom: true,
            title: title, xLabel: "Recall", yLabel: "Precision", width: width, height: height)
    }

    /// Training loss per epoch, and validation loss when given.
    public static func loss(
        _ loss: [Float], validation: [Float] = [], logScale: Bool = false, title: String = "Training loss",
        width: Int = defaultSize.width, height: Int = 360
    ) throws(PlotError) -> SVGChart {
        let name = "loss chart"
        let train = try validated(loss.map(Double.init), chart: name, input: "loss", positive: logScale)
        var series = [("training", train.enumerated().map { (Double($0.offset + 1), $0.element) })]
        if !validation.isEmpty {
            let checked = try validated(validation.map(Double.init), chart: name, input: "validation loss", positive: logScale)
            series.append(("validation", checked.enumerated().map { (Double($0.offset + 1), $0.element) }))
        }
        let all = series.flatMap { $0.1.map(\.1) }
        return try lines(
            series, chart: name, x: (1, Double(max(train.count, validation.count, 2))), y: AxisScale.domain(covering: all, logarithmic: logScale),
            logY: logScale, diagonal: false, legendAtBottom: false, title: title, xLabel: "Epoch", yLabel: logScale ? "Loss (log scale)" : "Loss",
            width: width, height: height)
    }

    /// Named curves `y(x)` on one frame, each with its points, over thin grey `background`
    /// curves without a legend (alibi-detect's CIFAR-10 study: every image's score against the
    /// mask size behind the mean over images).
    public static func curves(
        _ series: [(name: String, points: [(x: Double, y: Double)])], background: [[(x: Double, y: Double)]] = [],
        title: String, xLabel: String, yLabel: String, yRange: ClosedRange<Double>? = nil,
        width: Int = defaultSize.width, height: Int = defaultSize.height
    ) throws(PlotError) -> SVGChart {
        let name = "curve chart"
        guard !series.isEmpty, series.allSatisfy({ !$0.points.isEmpty }) else { throw .empty(chart: name, input: "the curves") }
        let all = (series.map(\.points) + background).flatMap { $0 }
        _ = try validated(all.flatMap { [$0.x, $0.y] }, chart: name, input: "points")
        let xs = all.map(\.x)
        let x = (xs.min()!, xs.max()! > xs.min()! ? xs.max()! : xs.min()! + 1)
        let y = yRange.map { ($0.lowerBound, $0.upperBound) } ?? AxisScale.domain(covering: all.map(\.y), logarithmic: false)
        let frame = PlotFrame(width: width, height: height, x: x, y: y, logY: false)
        var writer = SVGWriter()
        frame.begin(&writer, title: title, xLabel: xLabel, yLabel: yLabel)
        for curve in background {
            writer.polyline(curve.map { frame.point($0.x, $0.y) }, stroke: "#b8b8b8", width: 0.8)
        }
        for (index, curve) in series.enumerated() {
            let colour = Palette.series(index)
            let points = curve.points.map { frame.point($0.x, $0.y) }
            writer.polyline(points, stroke: colour, width: 2)
            for (px, py) in points where points.count <= 60 { writer.circle(px, py, radius: 2.5, fill: colour) }
        }
        frame.end(&writer)
        var legend = series.enumerated().map { ($0.element.name, Palette.series($0.offset), false) }
        if !background.isEmpty { legend.append(("each of \(background.count)", "#b8b8b8", false)) }
        frame.legend(&writer, legend, placement: .top)
        return writer.document(width: width, height: height, title: title)
    }

    /// The pixel path without points closer than half a pixel to the last kept one (a
    /// curve of 300,000 thresholds draws the same with a few thousand); the ends are kept.
    static func decimated(_ points: [(Double, Double)]) -> [(Double, Double)] {
        guard points.count > 2 else { return points }
        var kept = [points[0]]
        for point in points.dropFirst().dropLast() {
            let last = kept[kept.count - 1]
            if abs(point.0 - last.0) >= 0.5 || abs(point.1 - last.1) >= 0.5 { kept.append(point) }
        }
        kept.append(points[points.count - 1])
        return kept
    }

    /// Line series on one frame.
    static func lines(
        _ series: [(String, [(Double, Double)])], chart: String, x: (Double, Double), y: (Double, Double), logY: Bool = false,
        diagonal: Bool, legendAtBottom: Bool, title: String, xLabel: String, yLabel: String, width: Int, height: Int
    ) throws(PlotError) -> SVGChart {
        for (name, points) in series {
            _ = try validated(points.flatMap { [$0.0, $0.1] }, chart: chart, input: "curve \"\(name)\"")
        }
        let frame = PlotFrame(width: width, height: height, x: x, y: y, logY: logY)
        var writer = SVGWriter()
        frame.begin(&writer, title: title, xLabel: xLabel, yLabel: yLabel)
        if diagonal {
            let (x0, y0) = frame.point(0, 0), (x1, y1) = frame.point(1, 1)
            writer.line(x0, y0, x1, y1, stroke: "#999999", dash: "4 4")
        }
        for (index, (_, points)) in series.enumerated() {
            let colour = Palette.series(index)
            writer.polyline(decimated(points.map { frame.point($0.0, $0.1) }), stroke: colour, width: 2)
            if points.count <= 60 {
                for point in points {
                    let (px, py) = frame.point(point.0, point.1)
                    writer.circle(px, py, radius: 2.5, fill: colour)
                }
            }
        }
        frame.end(&writer)
        frame.legend(&writer, series.enumerated().map { ($0.element.0, Palette.series($0.offset), false) }, placement: legendAtBottom ? .insideBottom : .top)
        return writer.document(width: width, height: height, title: title)
    }
}
