import Foundation
import VigilEval
import VigilTensor

extension Chart {
    /// The confusion matrix as an annotated heat map: true class by row, predicted class by
    /// column, each cell with its count and its share of the row; `classNames` name the
    /// negative and the positive class.
    public static func confusionMatrix(
        _ matrix: ConfusionMatrix, classNames: (negative: String, positive: String) = ("normal", "outlier"), title: String = "Confusion matrix",
        width: Int = 440, height: Int = 400
    ) throws(PlotError) -> SVGChart {
        guard matrix.total > 0 else { throw .empty(chart: "confusion matrix", input: "the matrix") }
        let cells = [[matrix.trueNegatives, matrix.falsePositives], [matrix.falseNegatives, matrix.truePositives]]
        let names = [classNames.negative, classNames.positive]
        var writer = SVGWriter()
        writer.text(Double(width) / 2, 28, title, size: 16, anchor: .middle, weight: "bold")
        let (left, top) = (120.0, 84.0)
        let size = min(Double(width) - left - 30, Double(height) - top - 60) / 2
        for row in 0..<2 {
            let rowTotal = cells[row].reduce(0, +)
            for column in 0..<2 {
                let count = cells[row][column]
                // Coloured by the share of the true class, so a good detector shows a dark diagonal.
                let share = Double(count) / Double(max(rowTotal, 1))
                let colour = Palette.sequential(1 - share * 0.85)
                let (x, y) = (left + Double(column) * size, top + Double(row) * size)
                writer.rect(x, y, size, size, fill: "rgb(\(colour.red),\(colour.green),\(colour.blue))", stroke: "#ffffff")
                let ink = share > 0.45 ? "#ffffff" : "#111111"
                writer.text(x + size / 2, y + size / 2, "\(count)", size: 22, anchor: .middle, weight: "bold", fill: ink)
                let rate = rowTotal > 0 ? String(format: "%.1f%% of row", 100 * Double(count) / Double(rowTotal)) : "—"
                writer.text(x + size / 2, y + size / 2 + 22, rate, size: 12, anchor: .middle, fill: ink)
            }
            writer.text(left - 10, top + (Double(row) + 0.5) * size + 4, names[row], size: 13, anchor: .end)
            writer.text(left + (Double(row) + 0.5) * size, top - 10, names[row], size: 13, anchor: .middle)
        }
        writer.text(left + size, top - 32, "Predicted", size: 13, anchor: .middle, weight: "bold")
        writer.text(24, top + size, "True", size: 13, anchor: .middle, weight: "bold", rotate: true)
        writer.text(left + size, top + 2 * size + 28, String(format: "accuracy %.3f · precision %.3f · recall %.3f · F1 %.3f", matrix.accuracy, matrix.precision, matrix.recall, matrix.f1), size: 12, anchor: .middle)
        return writer.document(width: width, height: height, title: title)
    }

    /// Images in a grid, one instance per row: the original, its reconstruction and the
    /// feature scores of each channel as heat maps (alibi-detect's `plot_feature_outlier_image`).
    ///
    /// - Parameters:
    ///   - images: `[n, height, width, channels]` in [0, 1] (1 or 3 channels).
    ///   - reconstructions: the same shape, optional.
    ///   - featureScores: the same shape, optional; each row's heat maps share one colour scale.
    ///   - instanceScores: printed beside each row when given.
    public static func imageGrid(
        images: Tensor, reconstructions: Tensor? = nil, featureScores: Tensor? = nil, instanceScores: [Float]? = nil,
        maxInstances: Int = 6, panelSize: Int = 96, title: String = "Feature scores of images"
    ) throws(PlotError) -> SVGChart {
        let name = "image grid"
        guard images.rank == 4, [1, 3].contains(images.shape[3]) else {
            throw .invalidArgument(chart: name, name: "images", expected: "shape [n, height, width, 1 or 3]", actual: "\(images.shape)")
        }
        guard images.shape[0] > 0 else { throw .empty(chart: name, input: "images") }
        for (label, other) in [("reconstructions", reconstructions), ("feature scores", featureScores)] {
            if let other, other.shape != images.shape { throw .lengthMismatch(chart: name, expected: "\(label) of shape \(images.shape)", actual: "\(other.shape)") }
        }
        for (label, tensor) in [("images", images), ("reconstructions", reconstructions), ("feature scores", featureScores)] {
            if let tensor, let bad = tensor.scalars.firstIndex(where: { !$0.isFinite }) { throw .notFinite(chart: name, input: label, index: bad) }
        }
        if let instanceScores, instanceScores.count != images.shape[0] {
            throw .lengthMismatch(chart: name, expected: "\(images.shape[0]) instance scores", actual: "\(instanceScores.count)")
        }
        let (rows, h, w, c) = (min(images.shape[0], maxInstances), images.shape[1], images.shape[2], images.shape[3])
        var headings = ["original"]
        if reconstructions != nil { headings.append("reconstruction") }
        if featureScores != nil { headings += c == 3 ? ["score: red", "score: green", "score: blue"] : ["score"] }
        let gap = 12, left = instanceScores == nil ? 16 : 110, top = 70
        let width = left + headings.count * (panelSize + gap) + 4, height = top + rows * (panelSize + gap) + 10
        var writer = SVGWriter()
        writer.text(Double(width) / 2, 28, title, size: 16, anchor: .middle, weight: "bold")
        for (column, heading) in headings.enumerated() {
            writer.text(Double(left + column * (panelSize + gap) + panelSize / 2), Double(top - 10), heading, size: 12, anchor: .middle)
        }
        let pixels = h * w
        for row in 0..<rows {
            var panels: [[UInt8]] = []
            func colour(_ tensor: Tensor) -> [UInt8] {
                (0..<pixels).flatMap { p -> [UInt8] in
                    let base = (row * pixels + p) * c
                    return (0..<3).map { UInt8((min(max(tensor.scalars[base + (c == 3 ? $0 : 0)], 0), 1) * 255).rounded()) }
                }
            }
            panels.append(colour(images))
            if let reconstructions { panels.append(colour(reconstructions)) }
            if let featureScores {
                let slice = featureScores.scalars[(row * pixels * c)..<((row + 1) * pixels * c)]
                let (low, high) = (Double(slice.min()!), Double(slice.max()!))
                for channel in 0..<c {
                    panels.append((0..<pixels).flatMap { p -> [UInt8] in
                        let v = Palette.sequential(high > low ? (Double(slice[row * pixels * c + p * c + channel]) - low) / (high - low) : 0)
                        return [v.red, v.green, v.blue]
                    })
                }
            }
            let y = top + row * (panelSize + gap)
            if let instanceScores { writer.text(Double(left - 10), Double(y + panelSize / 2 + 4), String(format: "score %.4g", instanceScores[row]), size: 12, anchor: .end) }
            for (column, rgb) in panels.enumerated() {
                writer.element("image", [
                    "x": "\(left + column * (panelSize + gap))", "y": "\(y)", "width": "\(panelSize)", "height": "\(panelSize)",
                    "preserveAspectRatio": "none", "style": "image-rendering: pixelated", "href": PNG.dataURL(width: w, height: h, rgb: rgb),
                ])
            }
        }
        return writer.document(width: width, height: height, title: title)
    }
}
