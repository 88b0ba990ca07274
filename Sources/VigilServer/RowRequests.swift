import VigilData
import VigilDetect
import VigilTensor

/// The rows a request asks to score, checked against the model before anything is scored.
struct ScoringRows {
    /// `[rows, features]`.
    var features: Tensor
    /// The label of each row (0 normal, 1 outlier), when a CSV body had a label column.
    var targets: [Int]?
    var featureScores: Bool
    /// A CSV body's feature columns, as its header names them.
    var featureNames: [String]?
}

/// Reads request bodies into rows of the model's width: the simple form
/// `{"instances": [[…], …], "feature_scores": false}` and CSV with a header.
enum RowRequests {
    /// The rows of `{"instances": [[x₀, …, x_{D−1}], …]}` (other keys are ignored, except
    /// `feature_scores`, true or false). Every row must hold `width` finite numbers; at most
    /// `maximumRows` rows are read.
    static func instances(_ body: [UInt8], width: Int, maximumRows: Int) throws -> ScoringRows {
        var scanner = JSONScanner(body)
        var values: [Float]?
        var featureScores = false
        try scanner.begin(0x7B)
        var keys = 0
        while let key = try scanner.nextKey(&keys) {
            switch key {
            case "instances":
                var reader = ValueReader(width: width, maximumRows: maximumRows)
                try scanner.begin(0x5B)
                var row = 0
                while try scanner.nextElement(&row) {
                    guard scanner.peek() == 0x5B else {
                        throw ServiceError.badValue(row: row - 1, column: 0, expected: "a row, an array of \(width) numbers", got: scanner.found())
                    }
                    try reader.row(&scanner)
                }
                values = reader.values
            case "feature_scores": featureScores = try scanner.bool()
            default: try scanner.skipValue()
            }
        }
        try scanner.end()
        guard let values else { throw ServiceError(.badRequest, "the body has no \"instances\"", expected: "{\"instances\": [[…], …]}", got: "no such key") }
        guard !values.isEmpty else { throw ServiceError.noRows }
        return ScoringRows(features: Tensor(shape: [values.count / width, width], scalars: values), featureScores: featureScores)
    }

    /// The rows of a CSV body with a header (plain or gzip-compressed), read as `vigil score`
    /// reads a file: `labelColumn` becomes the targets, the model's categorical columns are
    /// one-hot encoded as in training. A compressed body may inflate to `maximumBytes`. Errors
    /// name the body's line and column.
    static func csv(
        _ body: [UInt8], model: ServedModel, labelColumn: String?, featureScores: Bool, maximumRows: Int, maximumBytes: Int
    ) throws -> ScoringRows {
        let table: Dataset
        do {
            table = try CSV.read(
                bytes: body, name: "the request body", maximumBytes: maximumBytes, setting: "--max-body-bytes", labelColumn: labelColumn,
                categorical: .apply(model.detector.training?.categorical ?? []))
        } catch let error as DataError {
            if case .tooLarge = error { throw ServiceError(.contentTooLarge, "\(error)") }
            throw ServiceError(.badRequest, "\(error)")
        }
        guard table.count > 0 else { throw ServiceError.noRows }
        guard table.count <= maximumRows else { throw ServiceError.tooManyRows("\(table.count)", limit: maximumRows) }
        let width = model.detector.featureCount
        guard table.features.shape[1] == width else {
            throw ServiceError(
                .badRequest, "the body has \(table.features.shape[1]) feature columns, expected \(width) (the model's)",
                expected: "\(width) feature columns", got: "\(table.features.shape[1]) columns")
        }
        if let bad = table.features.scalars.firstIndex(where: { !$0.isFinite }) {
            throw ServiceError.badValue(row: bad / width, column: bad % width, expected: "a finite number", got: "\(table.features.scalars[bad])")
        }
        return ScoringRows(features: table.features, targets: table.targets, featureScores: featureScores, featureNames: table.featureNames)
    }
}

/// Fills rows of a known width from JSON numbers, checking each value as it is read.
struct ValueReader {
    let width: Int
    let maximumRows: Int
    private(set) var values: [Float] = []

    init(width: Int, maximumRows: Int) {
        self.width = width
        self.maximumRows = maximumRows
    }

    /// The row at the scanner (an array of `width` numbers).
    mutating func row(_ scanner: inout JSONScanner) throws {
        let row = values.count / width
        guard row < maximumRows else { throw ServiceError.tooManyRows("more than \(maximumRows)", limit: maximumRows) }
        try scanner.begin(0x5B)
        var column = 0
        while try scanner.nextElement(&column) {
            guard column <= width else { throw ServiceError.wrongWidth(row: row, expected: width, got: "more than \(width)") }
            try value(&scanner, index: values.count)
        }
        guard column == width else { throw ServiceError.wrongWidth(row: row, expected: width, got: "\(column)") }
    }

    /// The extents of the arrays ``flattened(_:depth:)`` read, outermost first (`[count]`
    /// for flat data), once they are all read.
    var nesting: [Int] { (0..<(leafDepth ?? 0)).map { extents[$0] ?? 0 } }
    private var extents: [Int: Int] = [:]
    private var leafDepth: Int?

    /// Every number of a nested array at the scanner, flattened in row-major order (the V2
    /// protocol's `data`), at most `maximumRows` rows of `width`. Arrays at the same depth
    /// must hold as many values, and every number must sit at the same depth.
    mutating func flattened(_ scanner: inout JSONScanner, depth: Int = 0) throws {
        guard depth < JSONScanner.maximumDepth else { throw scanner.error(expected: "at most \(JSONScanner.maximumDepth) levels of nesting") }
        if scanner.peek() != 0x5B {
            guard depth > 0 else { throw scanner.error(expected: "an array ('[')") }
            guard leafDepth ?? depth == depth else { throw Self.ragged("numbers at depths \(leafDepth ?? 0) and \(depth)") }
            leafDepth = depth
            guard values.count < maximumRows * width else { throw ServiceError.tooManyRows("more than \(maximumRows)", limit: maximumRows) }
            try value(&scanner, index: values.count)
            return
        }
        try scanner.begin(0x5B)
        var index = 0
        while try scanner.nextElement(&index) { try flattened(&scanner, depth: depth + 1) }
        if let seen = extents[depth], seen != index { throw Self.ragged("arrays at depth \(depth) of \(seen) and \(index) values") }
        extents[depth] = index
    }

    private static func ragged(_ what: String) -> ServiceError {
        ServiceError(.badRequest, "the input's data is ragged: \(what)", expected: "nested arrays of the shape's extents, or a flat array", got: what)
    }

    private mutating func value(_ scanner: inout JSONScanner, index: Int) throws {
        let (row, column) = (index / width, index % width)
        guard scanner.atNumber() else { throw ServiceError.badValue(row: row, column: column, expected: "a finite number", got: scanner.found()) }
        let number = try scanner.number()
        let value = Float(number)
        guard value.isFinite else {
            throw ServiceError.badValue(row: row, column: column, expected: "a finite number within Float's range", got: "\(number)")
        }
        values.append(value)
    }
}
