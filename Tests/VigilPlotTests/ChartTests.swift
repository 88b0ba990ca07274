import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import VigilPlot
import VigilEval
import VigilTensor

/// The elements of an SVG document, read back with an XML parser.
final class SVGReader: NSObject, XMLParserDelegate {
    var elements: [(name: String, attributes: [String: String])] = []
    var texts: [String] = []

    static func parse(_ chart: SVGChart) throws -> SVGReader {
        let reader = SVGReader()
        let parser = XMLParser(data: Data(chart.svg.utf8))
        parser.delegate = reader
        guard parser.parse() else { throw parser.parserError ?? CocoaError(.coderReadCorrupt) }
        return reader
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        elements.append((name, attributes))
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { texts.append(string) }

    /// The plot group's data-to-pixel mapping.
    func axis(_ letter: String) -> (domain: [Double], range: [Double], log: Bool) {
        let plot = elements.first { $0.attributes["class"] == "plot" }!.attributes
        func numbers(_ key: String) -> [Double] { plot[key]!.split(separator: " ").map { Double($0)! } }
        return (numbers("data-\(letter)-domain"), numbers("data-\(letter)-range"), plot["data-\(letter)-scale"] == "log")
    }

    /// The data value at pixel `p` on an axis.
    func value(atPixel p: Double, axis letter: String) -> Double {
        let (domain, range, log) = axis(letter)
        let t = (p - range[0]) / (range[1] - range[0])
        return log ? pow(10, log10(domain[0]) + t * (log10(domain[1]) - log10(domain[0]))) : domain[0] + t * (domain[1] - domain[0])
    }

    var threshold: [String: String]? { elements.first { $0.attributes["class"] == "threshold" }?.attributes }
}

@Suite("Charts")
struct ChartTests {
    let scores: [Float] = [0.2, 0.35, 0.1, 3.2, 0.4, 0.25, 5.5, 0.3]
    let labels = [0, 0, 0, 1, 0, 0, 1, 0]

    @Test func instanceScoresSpanTheDataAndDrawTheThresholdWhereItIs() throws {
        for logScale in [false, true] {
            let chart = try Chart.instanceScores(scores, labels: labels, threshold: 1.5, logScale: logScale)
            let svg = try SVGReader.parse(chart)
            #expect(svg.elements.first?.name == "svg")
            let y = svg.axis("y")
            #expect(y.log == logScale)
            #expect(y.domain[0] <= 0.1 && y.domain[1] >= 5.5)
            let line = try #require(svg.threshold)
            #expect(abs(svg.value(atPixel: Double(line["y1"]!)!, axis: "y") - 1.5) < 0.01)
            // One point per score, outliers in the outlier colour.
            let points = svg.elements.filter { $0.name == "circle" }
            #expect(points.count == scores.count)
            #expect(points.filter { $0.attributes["fill"] == Palette.outlier }.count == 2)
        }
        let limited = try SVGReader.parse(try Chart.instanceScores(scores, threshold: 1, yLimits: 0...2))
        #expect(limited.axis("y").domain == [0, 2])
    }

    @Test func histogramThresholdIsAVerticalLineAtTheThreshold() throws {
        let svg = try SVGReader.parse(try Chart.scoreHistogram(scores, labels: labels, threshold: 2, bins: 10))
        let x = svg.axis("x")
        #expect(x.domain[0] <= Double(Float(0.1)) && x.domain[1] >= 5.5)
        let line = try #require(svg.threshold)
        #expect(line["x1"] == line["x2"])
        #expect(abs(svg.value(atPixel: Double(line["x1"]!)!, axis: "x") - 2) < 0.01)
        // Bars: 6 inliers in a few low bins, 2 outliers in two high bins; total bar count ≤ bins × 2.
        #expect(svg.elements.filter { $0.name == "rect" && $0.attributes["fill"] == Palette.outlier }.count == 3)  // 2 bars + legend swatch
    }

    @Test func curvesConfusionScatterLossAndFeatureChartsAreValidSVG() throws {
        let roc = try ROCCurve(scores: scores, targets: labels)
        let pr = try PrecisionRecallCurve(scores: scores, targets: labels)
        let matrix = ConfusionMatrix(truePositives: 2, falsePositives: 1, trueNegatives: 5, falseNegatives: 0)
        let features = Tensor(rows: [[0.1, 2.0, 0.3], [0.5, 0.1, 0.2]])
        let charts = [
            try Chart.roc([.init(name: "a", curve: roc), .init(name: "b", curve: roc)]),
            try Chart.precisionRecall([(name: "a", curve: pr)]),
            try Chart.confusionMatrix(matrix),
            try Chart.scatter(x: scores, y: scores.map { -$0 }, labels: labels, xLabel: "code", yLabel: "cosine", title: "Latent space"),
            try Chart.loss([3, 2, 1.5, 1.2], validation: [3.1, 2.2, 1.9, 1.8]),
            try Chart.featureOutliers(featureNames: ["a", "b", "c"], featureScores: features, originals: features, reconstructions: features * 0.5, instances: [0, 1], top: 2),
            try Chart.imageGrid(
                images: Tensor(repeating: 0.5, shape: [2, 4, 4, 3]), reconstructions: Tensor(repeating: 0.4, shape: [2, 4, 4, 3]),
                featureScores: SeededRandomTensor.uniform([2, 4, 4, 3]), instanceScores: [1, 2]),
        ]
        for chart in charts { _ = try SVGReader.parse(chart) }
        let rocText = try SVGReader.parse(charts[0]).texts.joined()
        #expect(rocText.contains(String(format: "a (AUC %.3f)", roc.area)))
        let matrixText = try SVGReader.parse(charts[2]).texts
        #expect(["5", "1", "0", "2"].allSatisfy(matrixText.contains))
        let featureText = try SVGReader.parse(charts[5]).texts.joined()
        #expect(featureText.contains("x = 2, x̂ = 1"))  // instance 0's top feature b: 2.0 reconstructed as 1.0
        #expect(try SVGReader.parse(charts[6]).elements.filter { $0.name == "image" }.count == 2 * 5)
    }

    @Test func longCurvesAreDrawnWithAboutOnePointPerPixel() throws {
        var random = SeededRandom(seed: 4)
        let many = random.uniformTensor([100_000]).scalars
        let labels = many.map { $0 > 0.7 ? 1 : 0 }
        let svg = try SVGReader.parse(try Chart.roc([.init(name: "big", curve: try ROCCurve(scores: many, targets: labels))]))
        let points = try #require(svg.elements.first { $0.name == "polyline" }?.attributes["points"]).split(separator: " ")
        #expect(points.count < 2_000)
        // The curve still runs from (0, 0) to (1, 1).
        let first = points.first!.split(separator: ",").map { Double($0)! }, last = points.last!.split(separator: ",").map { Double($0)! }
        #expect(abs(svg.value(atPixel: first[0], axis: "x")) < 1e-6 && abs(svg.value(atPixel: first[1], axis: "y")) < 1e-6)
        #expect(abs(svg.value(atPixel: last[0], axis: "x") - 1) < 1e-6 && abs(svg.value(atPixel: last[1], axis: "y") - 1) < 1e-6)
    }

    @Test func badInputIsAClearErrorNotABrokenFile() {
        #expect(throws: PlotError.empty(chart: "instance score chart", input: "scores")) { try Chart.instanceScores([]) }
        #expect(throws: PlotError.notFinite(chart: "instance score chart", input: "scores", index: 1)) { try Chart.instanceScores([1, .nan]) }
        #expect(throws: PlotError.self) { try Chart.instanceScores([1, 0], logScale: true) }
        #expect(throws: PlotError.self) { try Chart.instanceScores([1, 2], labels: [0]) }
        #expect(throws: PlotError.self) { try Chart.scoreHistogram([1, .infinity], labels: [0, 1]) }
        #expect(throws: PlotError.self) { try Chart.roc([]) }
        #expect(throws: PlotError.self) { try Chart.loss([]) }
        #expect(throws: PlotError.self) { try Chart.confusionMatrix(ConfusionMatrix()) }
        #expect(throws: PlotError.self) { try Chart.imageGrid(images: Tensor(zeros: [1, 2, 2, 2])) }
        let message = PlotError.notFinite(chart: "instance score chart", input: "scores", index: 1).description
        #expect(message == "instance score chart: scores at index 1 is NaN or infinite")
    }

    /// A chart of known data matches the stored file (regenerate with `VIGIL_WRITE_FIXTURE=1`).
    @Test func knownChartMatchesTheStoredFile() throws {
        let chart = try Chart.instanceScores(scores, labels: labels, threshold: 1.5, title: "Known data")
        let expected = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Expected/instance-scores.svg")
        if ProcessInfo.processInfo.environment["VIGIL_WRITE_FIXTURE"] == "1" { try chart.write(to: expected.path) }
        #expect(chart.svg == (try String(contentsOf: expected, encoding: .utf8)))
    }

    @Test func ticksAreRoundNumbers() {
        #expect(AxisScale.niceStep(0.23) == 0.5)
        #expect(AxisScale.niceStep(0.09) == 0.1)
        #expect(AxisScale.niceStep(1800) == 2000)
        let axis = AxisScale(lower: 0, upper: 1, start: 0, end: 100)
        #expect(axis.ticks() == [0, 0.2, 0.4, 0.6000000000000001, 0.8, 1])
        let logAxis = AxisScale(lower: 0.01, upper: 100, start: 0, end: 100, logarithmic: true)
        #expect(logAxis.ticks() == [0.01, 0.1, 1, 10, 100])
        #expect(abs(logAxis.position(1) - 50) < 1e-9)
    }

    @Test func pngChecksumsMatchKnownValues() {
        #expect(PNG.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(PNG.adler32(Array("Wikipedia".utf8)) == 0x11E6_0398)
        let png = PNG.encode(width: 2, height: 1, rgb: [255, 0, 0, 0, 0, 255])
        #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        #expect(Array(png.suffix(12)) == [0, 0, 0, 0, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82])  // IEND with its CRC
    }
}

@Suite("HTML report")
struct ReportTests {
    @Test func reportIsSelfContained() throws {
        var report = HTMLReport(title: "Run <1>")
        report.heading("Metrics")
        report.table(headers: ["detector", "F1"], rows: [["vae", "0.9500"]])
        report.facts([("epochs", "30")])
        report.charts([(try Chart.loss([2, 1]), "loss")])
        let html = report.render()
        #expect(html.contains("<title>Run &lt;1&gt;</title>"))
        #expect(html.contains("<td class=\"number\">0.9500</td>"))
        #expect(html.contains("<svg"))
        #expect(!html.contains("<script") && !html.contains("src=") && !html.contains("<link"))
        let external = html.components(separatedBy: "http").count - 1
        let namespaces = html.components(separatedBy: "http://www.w3.org/2000/svg").count - 1
        #expect(external == namespaces)  // the only URL is the SVG namespace, which is never fetched
    }
}

enum SeededRandomTensor {
    static func uniform(_ shape: [Int]) -> Tensor {
        var random = SeededRandom(seed: 1)
        return random.uniformTensor(shape)
    }
}
