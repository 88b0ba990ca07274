import Foundation
import VigilTensor

/// A self-contained HTML report: headings, text, tables and inline SVG charts in one file,
/// with its CSS inline and no external fetches (no scripts, fonts or images from elsewhere).
public struct HTMLReport: Sendable {
    public var title: String
    private var blocks: [String] = []

    public init(title: String) { self.title = title }

    /// A section heading.
    public mutating func heading(_ text: String) {
        blocks.append("<h2>\(SVGWriter.escape(text))</h2>")
    }

    /// A paragraph of plain text.
    public mutating func paragraph(_ text: String) {
        blocks.append("<p>\(SVGWriter.escape(text))</p>")
    }

    /// A table; numbers are right-aligned.
    public mutating func table(headers: [String], rows: [[String]]) {
        func cell(_ tag: String, _ text: String) -> String {
            let numeric = Double(text.replacingOccurrences(of: "±", with: "").split(separator: " ").first.map(String.init) ?? "") != nil
            return "<\(tag)\(numeric ? " class=\"number\"" : "")>\(SVGWriter.escape(text))</\(tag)>"
        }
        let head = "<tr>" + headers.map { "<th>\(SVGWriter.escape($0))</th>" }.joined() + "</tr>"
        let body = rows.map { "<tr>" + $0.map { cell("td", $0) }.joined() + "</tr>" }.joined(separator: "\n")
        blocks.append("<table>\n<thead>\(head)</thead>\n<tbody>\n\(body)\n</tbody>\n</table>")
    }

    /// A two-column table of settings or facts.
    public mutating func facts(_ pairs: [(String, String)]) {
        let rows = pairs.map { "<tr><th>\(SVGWriter.escape($0.0))</th><td>\(SVGWriter.escape($0.1))</td></tr>" }.joined(separator: "\n")
        blocks.append("<table class=\"facts\">\n\(rows)\n</table>")
    }

    /// Charts side by side (wrapping on narrow screens), each with an optional caption.
    public mutating func charts(_ charts: [(chart: SVGChart, caption: String?)]) {
        let figures = charts.map { item in
            "<figure>\n\(item.chart.svg)\n" + (item.caption.map { "<figcaption>\(SVGWriter.escape($0))</figcaption>\n" } ?? "") + "</figure>"
        }
        blocks.append("<div class=\"charts\">\n\(figures.joined(separator: "\n"))\n</div>")
    }

    /// The whole document.
    public func render() -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(SVGWriter.escape(title))</title>
        <style>
        body { font-family: Helvetica, Arial, sans-serif; margin: 2rem auto; max-width: 1500px; padding: 0 1.5rem; color: #222; background: #fff; }
        h1 { font-size: 1.7rem; margin-bottom: 0.2rem; }
        h2 { font-size: 1.25rem; margin-top: 2.2rem; border-bottom: 1px solid #ddd; padding-bottom: 0.3rem; }
        p { max-width: 60rem; line-height: 1.45; }
        table { border-collapse: collapse; margin: 0.8rem 0; font-size: 0.92rem; }
        th, td { border: 1px solid #d6d6d6; padding: 0.35rem 0.7rem; text-align: left; }
        thead th { background: #f0f3f7; }
        td.number { text-align: right; font-variant-numeric: tabular-nums; }
        table.facts th { background: #f7f7f7; font-weight: normal; color: #555; }
        .charts { display: flex; flex-wrap: wrap; gap: 1.2rem; align-items: flex-start; }
        figure { margin: 0; border: 1px solid #e2e2e2; padding: 0.4rem; background: #fff; }
        figure svg { display: block; max-width: 100%; height: auto; }
        figcaption { font-size: 0.85rem; color: #555; padding: 0.3rem 0.2rem 0; max-width: 720px; }
        footer { margin-top: 3rem; font-size: 0.8rem; color: #777; }
        </style>
        </head>
        <body>
        <h1>\(SVGWriter.escape(title))</h1>
        \(blocks.joined(separator: "\n"))
        <footer>Written by Vigil.</footer>
        </body>
        </html>

        """
    }

    /// Writes the report atomically, never over one of `inputs` or anything but a
    /// regular file (``OutputFile``).
    public func write(to path: String, inputs: [String] = []) throws {
        try OutputFile.write(Array(render().utf8), to: path, inputs: inputs)
    }
}
