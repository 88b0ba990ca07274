import Foundation
import VigilTensor

/// A finished chart: an SVG document, ready to write to a file or inline into HTML.
public struct SVGChart: Sendable, Equatable {
    /// The complete `<svg>` element.
    public let svg: String
    public let width: Int
    public let height: Int

    /// Writes the chart atomically, never over one of `inputs` or anything but a regular
    /// file (``OutputFile``).
    public func write(to path: String, inputs: [String] = []) throws {
        try OutputFile.write(Array(svg.utf8), to: path, inputs: inputs)
    }
}

/// Errors of charts and reports; each says what was wrong with the input.
public enum PlotError: Error, Equatable, CustomStringConvertible {
    case empty(chart: String, input: String)
    case notFinite(chart: String, input: String, index: Int)
    case lengthMismatch(chart: String, expected: String, actual: String)
    case invalidArgument(chart: String, name: String, expected: String, actual: String)

    public var description: String {
        switch self {
        case let .empty(chart, input): "\(chart): \(input) is empty; nothing to draw"
        case let .notFinite(chart, input, index): "\(chart): \(input) at index \(index) is NaN or infinite"
        case let .lengthMismatch(chart, expected, actual): "\(chart): expected \(expected), got \(actual)"
        case let .invalidArgument(chart, name, expected, actual): "\(chart): \(name) must be \(expected), got \(actual)"
        }
    }
}

/// Colour-blind-safe colours (Okabe & Ito, 2008).
public enum Palette {
    /// The categorical sequence, in the order series take them.
    public static let categorical = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]
    public static let inlier = "#0072B2"
    public static let outlier = "#D55E00"
    public static let threshold = "#000000"

    /// The colour of series `index`.
    public static func series(_ index: Int) -> String { categorical[index % categorical.count] }

    /// A viridis-like sequential colour for `t` in [0, 1] (perceptually ordered, readable without hue).
    static func sequential(_ t: Double) -> (red: UInt8, green: UInt8, blue: UInt8) {
        let stops: [(Double, Double, Double)] = [(68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37)]
        let x = min(max(t.isFinite ? t : 0, 0), 1) * Double(stops.count - 1)
        let index = min(Int(x), stops.count - 2)
        let f = x - Double(index)
        func mix(_ a: Double, _ b: Double) -> UInt8 { UInt8((a + (b - a) * f).rounded()) }
        return (mix(stops[index].0, stops[index + 1].0), mix(stops[index].1, stops[index + 1].1), mix(stops[index].2, stops[index + 1].2))
    }
}

/// Builds SVG markup element by element.
struct SVGWriter {
    private(set) var body = ""

    static func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// A number as SVG wants it: short, no exponent for pixel values.
    static func number(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }

    private static func attributes(_ pairs: KeyValuePairs<String, String>) -> String {
        pairs.map { " \($0.key)=\"\(escape($0.value))\"" }.joined()
    }

    mutating func element(_ name: String, _ attributes: KeyValuePairs<String, String>, text: String? = nil) {
        if let text {
            body += "<\(name)\(Self.attributes(attributes))>\(Self.escape(text))</\(name)>\n"
        } else {
            body += "<\(name)\(Self.attributes(attributes))/>\n"
        }
    }

    mutating func open(_ name: String, _ attributes: KeyValuePairs<String, String>) {
        body += "<\(name)\(Self.attributes(attributes))>\n"
    }

    mutating func close(_ name: String) { body += "</\(name)>\n" }

    mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String, width: Double = 1, dash: String? = nil, className: String? = nil) {
        body += "<line x1=\"\(Self.number(x1))\" y1=\"\(Self.number(y1))\" x2=\"\(Self.number(x2))\" y2=\"\(Self.number(y2))\" stroke=\"\(stroke)\" stroke-width=\"\(Self.number(width))\""
            + (dash.map { " stroke-dasharray=\"\($0)\"" } ?? "") + (className.map { " class=\"\($0)\"" } ?? "") + "/>\n"
    }

    mutating func rect(_ x: Double, _ y: Double, _ width: Double, _ height: Double, fill: String, opacity: Double = 1, stroke: String? = nil) {
        body += "<rect x=\"\(Self.number(x))\" y=\"\(Self.number(y))\" width=\"\(Self.number(max(0, width)))\" height=\"\(Self.number(max(0, height)))\" fill=\"\(fill)\""
            + (opacity < 1 ? " fill-opacity=\"\(Self.number(opacity))\"" : "") + (stroke.map { " stroke=\"\($0)\"" } ?? "") + "/>\n"
    }

    mutating func circle(_ x: Double, _ y: Double, radius: Double, fill: String, opacity: Double = 1) {
        body += "<circle cx=\"\(Self.number(x))\" cy=\"\(Self.number(y))\" r=\"\(Self.number(radius))\" fill=\"\(fill)\""
            + (opacity < 1 ? " fill-opacity=\"\(Self.number(opacity))\"" : "") + "/>\n"
    }

    mutating func polyline(_ points: [(Double, Double)], stroke: String, width: Double = 2, dash: String? = nil) {
        let list = points.map { "\(Self.number($0.0)),\(Self.number($0.1))" }.joined(separator: " ")
        body += "<polyline points=\"\(list)\" fill=\"none\" stroke=\"\(stroke)\" stroke-width=\"\(Self.number(width))\" stroke-linejoin=\"round\""
            + (dash.map { " stroke-dasharray=\"\($0)\"" } ?? "") + "/>\n"
    }

    enum Anchor: String { case start, middle, end }

    mutating func text(_ x: Double, _ y: Double, _ content: String, size: Double = 12, anchor: Anchor = .start, weight: String? = nil, rotate: Bool = false, fill: String = "#222") {
        let transform = rotate ? " transform=\"rotate(-90 \(Self.number(x)) \(Self.number(y)))\"" : ""
        body += "<text x=\"\(Self.number(x))\" y=\"\(Self.number(y))\" font-size=\"\(Self.number(size))\" text-anchor=\"\(anchor.rawValue)\" fill=\"\(fill)\""
            + (weight.map { " font-weight=\"\($0)\"" } ?? "") + transform + ">\(Self.escape(content))</text>\n"
    }

    /// The whole document of the given size around the body.
    func document(width: Int, height: Int, title: String) -> SVGChart {
        let svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)" font-family="Helvetica, Arial, sans-serif" role="img">
            <title>\(Self.escape(title))</title>
            <rect width="\(width)" height="\(height)" fill="#ffffff"/>
            \(body)</svg>
            """
        return SVGChart(svg: svg, width: width, height: height)
    }
}
