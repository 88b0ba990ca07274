import Foundation

/// Maps a data interval onto a pixel interval, linearly or logarithmically, and picks ticks.
struct AxisScale {
    var lower: Double
    var upper: Double
    var start: Double
    var end: Double
    var logarithmic = false

    func position(_ value: Double) -> Double {
        let (a, b, v) = logarithmic ? (log10(lower), log10(upper), log10(max(value, lower))) : (lower, upper, value)
        return b == a ? (start + end) / 2 : start + (v - a) / (b - a) * (end - start)
    }

    /// Round values at "nice" steps (1, 2 or 5 × 10ᵏ) inside the domain, or the powers of ten on a log axis.
    func ticks(target: Int = 6) -> [Double] {
        if logarithmic {
            let first = Int(floor(log10(lower))), last = Int(ceil(log10(upper)))
            let stride = max(1, (last - first) / target)
            return Swift.stride(from: first, through: last, by: stride).map { pow(10, Double($0)) }.filter { $0 >= lower * 0.999 && $0 <= upper * 1.001 }
        }
        let step = Self.niceStep((upper - lower) / Double(target))
        let first = (lower / step).rounded(.up)
        return Swift.stride(from: first * step, through: upper + step * 1e-9, by: step).map { abs($0) < step * 1e-9 ? 0 : $0 }
    }

    static func niceStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let magnitude = pow(10, floor(log10(raw)))
        let fraction = raw / magnitude
        return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * magnitude
    }

    /// A domain covering `values` with a little room, widened to whole steps (or decades on a log axis).
    static func domain(covering values: [Double], logarithmic: Bool, includeZero: Bool = false) -> (Double, Double) {
        var low = values.min()!, high = values.max()!
        if logarithmic { return (pow(10, floor(log10(low))), pow(10, ceil(log10(high)))) }
        if includeZero { low = min(low, 0); high = max(high, 0) }
        if low == high { (low, high) = (low - max(1, abs(low)) * 0.5, high + max(1, abs(high)) * 0.5) }
        let step = niceStep((high - low) / 6)
        return ((low / step).rounded(.down) * step, (high / step).rounded(.up) * step)
    }

    /// A tick label: plain decimals at the precision of the step, scientific for very large or small values.
    func label(_ value: Double) -> String {
        if value == 0 { return "0" }
        if abs(value) >= 1e5 || abs(value) < 1e-3 { return String(format: "%.3g", value) }
        let step = logarithmic ? value : Self.niceStep((upper - lower) / 6)
        let decimals = max(0, -Int(floor(log10(step))))
        return String(format: "%.\(decimals)f", value)
    }
}

/// The plot area of a chart with its two axes: draws the frame, grid, ticks, axis labels,
/// title and legend, and records the data-to-pixel mapping on the plot group
/// (`data-x-domain`, `data-y-domain`, `data-x-range`, `data-y-range`) so tools and tests
/// can read positions back.
struct PlotFrame {
    let width: Double
    let height: Double
    var x: AxisScale
    var y: AxisScale
    static let margins = (left: 76.0, right: 24.0, top: 70.0, bottom: 58.0)

    init(width: Int, height: Int, x: (Double, Double), y: (Double, Double), logX: Bool = false, logY: Bool = false) {
        self.width = Double(width)
        self.height = Double(height)
        let m = Self.margins
        self.x = AxisScale(lower: x.0, upper: x.1, start: m.left, end: Double(width) - m.right, logarithmic: logX)
        self.y = AxisScale(lower: y.0, upper: y.1, start: Double(height) - m.bottom, end: m.top, logarithmic: logY)
    }

    var plotLeft: Double { x.start }
    var plotRight: Double { x.end }
    var plotTop: Double { y.end }
    var plotBottom: Double { y.start }

    func point(_ px: Double, _ py: Double) -> (Double, Double) { (x.position(px), y.position(py)) }

    /// Title, grid, ticks and axis labels; opens the `plot` group the caller draws into (close it with `end`).
    func begin(_ writer: inout SVGWriter, title: String, xLabel: String, yLabel: String, xTicks: [(Double, String)]? = nil) {
        writer.text(width / 2, 28, title, size: 16, anchor: .middle, weight: "bold")
        writer.rect(plotLeft, plotTop, plotRight - plotLeft, plotBottom - plotTop, fill: "#fafafa", stroke: "#bbbbbb")
        for tick in y.ticks() {
            let py = y.position(tick)
            writer.line(plotLeft, py, plotRight, py, stroke: "#e4e4e4")
            writer.line(plotLeft - 5, py, plotLeft, py, stroke: "#444")
            writer.text(plotLeft - 8, py + 4, y.label(tick), size: 11, anchor: .end)
        }
        for (tick, label) in xTicks ?? x.ticks().map({ ($0, x.label($0)) }) {
            let px = x.position(tick)
            writer.line(px, plotTop, px, plotBottom, stroke: "#e4e4e4")
            writer.line(px, plotBottom, px, plotBottom + 5, stroke: "#444")
            writer.text(px, plotBottom + 18, label, size: 11, anchor: .middle)
        }
        writer.text((plotLeft + plotRight) / 2, height - 14, xLabel, size: 13, anchor: .middle)
        writer.text(18, (plotTop + plotBottom) / 2, yLabel, size: 13, anchor: .middle, rotate: true)
        writer.open("g", [
            "class": "plot",
            "data-x-domain": "\(x.lower) \(x.upper)", "data-y-domain": "\(y.lower) \(y.upper)",
            "data-x-range": "\(x.start) \(x.end)", "data-y-range": "\(y.start) \(y.end)",
            "data-x-scale": x.logarithmic ? "log" : "linear", "data-y-scale": y.logarithmic ? "log" : "linear",
        ])
    }

    func end(_ writer: inout SVGWriter) { writer.close("g") }

    /// Where a legend goes: in a row between the title and the plot, or boxed in the plot's bottom-right corner.
    enum LegendPlacement { case top, insideBottom }

    /// A legend; `dashed` entries are drawn as lines.
    func legend(_ writer: inout SVGWriter, _ entries: [(label: String, colour: String, dashed: Bool)], placement: LegendPlacement = .top) {
        guard !entries.isEmpty else { return }
        if placement == .top {
            let widths = entries.map { 30 + Double($0.label.count) * 6.6 }
            var left = plotRight - widths.reduce(0, +)
            let row = plotTop - 14
            writer.open("g", ["class": "legend"])
            for (entry, width) in zip(entries, widths) {
                if entry.dashed {
                    writer.line(left, row, left + 16, row, stroke: entry.colour, width: 2, dash: "5 3")
                } else {
                    writer.rect(left + 2, row - 5, 12, 10, fill: entry.colour)
                }
                writer.text(left + 20, row + 4, entry.label, size: 11)
                left += width
            }
            writer.close("g")
            return
        }
        let rowHeight = 18.0
        let boxWidth = 28 + Double(entries.map(\.label.count).max()!) * 6.6
        let boxHeight = Double(entries.count) * rowHeight + 8
        let left = plotRight - boxWidth - 8
        let top = plotBottom - boxHeight - 8
        writer.open("g", ["class": "legend"])
        writer.rect(left, top, boxWidth, boxHeight, fill: "#ffffff", opacity: 0.9, stroke: "#cccccc")
        for (index, entry) in entries.enumerated() {
            let row = top + 4 + Double(index) * rowHeight + rowHeight / 2
            if entry.dashed {
                writer.line(left + 6, row, left + 20, row, stroke: entry.colour, width: 2, dash: "5 3")
            } else {
                writer.rect(left + 6, row - 5, 14, 10, fill: entry.colour)
            }
            writer.text(left + 25, row + 4, entry.label, size: 11)
        }
        writer.close("g")
    }
}

/// Checks that a series is non-empty and finite (and, for log axes, positive).
func validated(_ values: [Double], chart: String, input: String, positive: Bool = false) throws(PlotError) -> [Double] {
    guard !values.isEmpty else { throw .empty(chart: chart, input: input) }
    if let bad = values.firstIndex(where: { !$0.isFinite }) { throw .notFinite(chart: chart, input: input, index: bad) }
    if positive, let bad = values.firstIndex(where: { $0 <= 0 }) {
        throw .invalidArgument(chart: chart, name: "\(input) at index \(bad)", expected: "positive on a log scale", actual: "\(values[bad])")
    }
    return values
}
