import Foundation
import VigilTensor

/// Comma-separated values: numeric tables with a header, RFC 4180 quoting (fields in
/// double quotes may hold commas, line breaks and doubled quotes), plain or gzip-compressed.
public enum CSV {
    /// Reads a numeric table into a ``Dataset``.
    ///
    /// - Parameters:
    ///   - path: the file (plain or `.gz`).
    ///   - labelColumn: the name of a column holding each row's label, read by `labels`
    ///     into targets 0 (normal) and 1 (outlier), with `targetNames` `["normal", "outlier"]`.
    ///   - labels: how labels are read; ``LabelCoding/numeric`` (0 = normal) by default.
    ///   - excluding: columns to leave out (identifiers, timestamps, text); each must exist.
    ///   - categorical: columns read as categories and one-hot encoded after the numeric
    ///     columns (``CategoricalColumn``), learnt from the file or applied as given.
    ///   - delimiter: the field separator.
    ///   - limits: the caps on line length and on the number of values read.
    /// - Throws: ``DataError`` naming the file, line and column for a row with the wrong
    ///   number of fields, an empty or `NA` field (missing value), a non-number, a label
    ///   the coding cannot read, or a table over the limits.
    public static func read(
        path: String, labelColumn: String? = nil, labels: LabelCoding = .numeric, excluding: Set<String> = [],
        categorical: CategoricalColumns = .none, delimiter: Character = ",", limits: InputLimits = .current
    ) throws -> Dataset {
        try read(
            source: ByteSource(path: path), labelColumn: labelColumn, labels: labels, excluding: excluding, categorical: categorical,
            delimiter: delimiter, limits: limits)
    }

    /// Reads a numeric table held in memory (a request's body, plain or gzip-compressed), as
    /// ``read(path:labelColumn:labels:excluding:categorical:delimiter:limits:)`` reads a
    /// file; errors name `name` where they would name the file. Compressed bytes inflate to
    /// at most `maximumBytes` (the limit `setting` names, in the error).
    public static func read(
        bytes: [UInt8], name: String, maximumBytes: Int = .max, setting: String = "", labelColumn: String? = nil, labels: LabelCoding = .numeric,
        excluding: Set<String> = [], categorical: CategoricalColumns = .none, delimiter: Character = ",", limits: InputLimits = .current
    ) throws -> Dataset {
        try read(
            source: ByteSource(bytes: bytes, name: name, limit: (maximumBytes, setting)), labelColumn: labelColumn, labels: labels, excluding: excluding,
            categorical: categorical, delimiter: delimiter, limits: limits)
    }

    private static func read(
        source: ByteSource, labelColumn: String?, labels: LabelCoding, excluding: Set<String>,
        categorical: CategoricalColumns, delimiter: Character, limits: InputLimits
    ) throws -> Dataset {
        let path = source.path
        guard let separator = delimiter.asciiValue else {
            throw DataError.invalidArgument(name: "delimiter", expected: "an ASCII character", actual: "\(delimiter)")
        }
        var header: [String]?
        var labelIndex: Int?
        var skipped: Set<Int> = []
        var values: [Float] = []
        var targets: [Int] = []
        var rows = 0
        var categories = CategoricalReader(categorical)
        try forEachRecord(source: source, delimiter: separator, limits: limits) { fields, line in
            guard let names = header else {
                let names = (0..<fields.count).map { fields.string($0) }
                header = names
                if let labelColumn {
                    guard let index = names.firstIndex(of: labelColumn) else {
                        throw DataError.unexpectedValue(
                            file: path, line: line, column: nil, expected: "a column named \"\(labelColumn)\"",
                            actual: "columns \(names)")
                    }
                    labelIndex = index
                }
                skipped = try excludedColumns(excluding, of: names, file: path, line: line).union(labelIndex.map { [$0] } ?? [])
                try checkDisjoint(categorical.names, label: labelColumn, excluding: excluding, file: path, line: line)
                skipped.formUnion(try categories.resolve(header: names, file: path, line: line))
                return
            }
            guard fields.count == names.count else {
                throw DataError.fieldCount(file: path, line: line, expected: names.count, actual: fields.count)
            }
            guard values.count + categories.codeCount + fields.count <= limits.maximumElements else {
                throw DataError.tooLarge(file: path, what: "values in the table", limit: limits.maximumElements, setting: "VIGIL_MAX_ELEMENTS")
            }
            if let labelIndex {
                targets.append(try fields.withField(labelIndex) { try labels.target(of: $0, file: path, line: line, column: labelIndex + 1, name: names[labelIndex]) })
            }
            try appendNumbers(fields, skipping: skipped, names: names, file: path, line: line, to: &values)
            try categories.read(fields, names: names, file: path, line: line)
            rows += 1
        }
        guard let header else { throw DataError.malformed(file: path, expected: "a header line", actual: "an empty file") }
        if case let .normal(value) = labels, labelIndex != nil, rows > 0, !targets.contains(0) {
            throw DataError.unexpectedValue(
                file: path, line: nil, column: nil, expected: "some rows labelled \"\(value)\" (the normal label) in column \"\(labelColumn!)\"",
                actual: "none")
        }
        categories.finishLearning()
        let numericNames = header.enumerated().filter { !skipped.contains($0.offset) }.map(\.element)
        let featureNames = numericNames + categories.columns.flatMap(\.featureNames)
        let features = try categories.appendOneHot(to: values, numericWidth: numericNames.count, limits: limits, file: path)
        var dataset = Dataset(
            features: Tensor(shape: [rows, featureNames.count], scalars: features), targets: labelIndex == nil ? nil : targets,
            featureNames: featureNames, targetNames: labelIndex == nil ? [] : ["normal", "outlier"])
        dataset.categorical = categories.columns
        return dataset
    }

    /// A categorical column may be neither the label nor an excluded column.
    static func checkDisjoint(_ categorical: [String], label: String?, excluding: Set<String>, file: String, line: Int) throws {
        if let clash = categorical.first(where: { $0 == label || excluding.contains($0) }) {
            throw DataError.unexpectedValue(
                file: file, line: line, column: nil, expected: "a categorical column that is neither the label nor excluded",
                actual: "\"\(messageText(clash))\" is " + (clash == label ? "the label column" : "excluded"))
        }
    }

    /// The indices of the `excluded` column names in a header; a name that is not there is an error.
    static func excludedColumns(_ excluded: Set<String>, of names: [String], file: String, line: Int) throws -> Set<Int> {
        if let missing = excluded.sorted().first(where: { !names.contains($0) }) {
            throw DataError.unexpectedValue(
                file: file, line: line, column: nil, expected: "a column named \"\(messageText(missing))\" to exclude", actual: "columns \(names)")
        }
        return Set(names.indices.filter { excluded.contains(names[$0]) })
    }

    /// Parses every field but those `skipping` as a number and appends it to `values`.
    static func appendNumbers(
        _ fields: Record, skipping: Set<Int>, names: [String], file: String, line: Int, to values: inout [Float]
    ) throws {
        for column in 0..<fields.count where !skipping.contains(column) {
            try fields.withField(column) { text in
                if text.isEmpty || isMissingMarker(text) {
                    throw DataError.missingValue(file: file, line: line, column: column + 1, name: names[column])
                }
                guard let value = NumberParser.double(text) else {
                    throw DataError.invalidNumber(file: file, line: line, column: column + 1, text: messageText(String(decoding: text, as: UTF8.self)))
                }
                values.append(Float(value))
            }
        }
    }

    static func isMissingMarker(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        // NA, N/A, NaN-as-missing is not assumed: "nan" parses as a number.
        (text.count == 2 && text[0] | 0x20 == 0x6E && text[1] | 0x20 == 0x61)
            || (text.count == 3 && text[0] | 0x20 == 0x6E && text[1] == 0x2F && text[2] | 0x20 == 0x61)
    }

    /// The fields of one record, unquoted, held in one reused buffer.
    struct Record {
        var bytes: [UInt8] = []
        var ends: [Int] = []

        var count: Int { ends.count }

        /// Calls `body` with field `index`'s bytes.
        func withField<R>(_ index: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
            let start = index == 0 ? 0 : ends[index - 1]
            return try bytes.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[start..<ends[index]])) }
        }

        func string(_ index: Int) -> String { withField(index) { String(decoding: $0, as: UTF8.self) } }
    }

    /// Calls `body` with the fields of every record (quotes removed) and the line on which
    /// the record starts.
    static func forEachRecord(source: ByteSource, delimiter: UInt8, limits: InputLimits = .current, _ body: (Record, Int) throws -> Void) throws {
        let path = source.path
        var record = Record()
        var fieldStart = 0
        var inQuotes = false
        var startLine = 0
        var quoteLine = 0
        var quoteColumn = 0
        try LineReader.forEachLine(source, maximumLineBytes: limits.maximumLineBytes) { line, number in
            if !inQuotes {
                if line.isEmpty { return }
                startLine = number
            } else {
                record.bytes.append(0x0A)  // the line break inside a quoted field
                guard record.bytes.count <= limits.maximumLineBytes else {
                    throw DataError.tooLarge(
                        file: path, what: "bytes in the quoted field opened at line \(quoteLine)", limit: limits.maximumLineBytes,
                        setting: "VIGIL_MAX_LINE_BYTES")
                }
            }
            var index = 0
            let count = line.count
            while index < count {
                let byte = line[index]
                if inQuotes {
                    if byte == 0x22 {
                        if index + 1 < count && line[index + 1] == 0x22 {
                            record.bytes.append(0x22)
                            index += 1
                        } else {
                            inQuotes = false
                        }
                    } else {
                        record.bytes.append(byte)
                    }
                } else if byte == delimiter {
                    record.ends.append(record.bytes.count)
                    fieldStart = record.bytes.count
                } else if byte == 0x22 && record.bytes.count == fieldStart {
                    inQuotes = true
                    quoteLine = number
                    quoteColumn = record.ends.count + 1
                } else {
                    record.bytes.append(byte)
                }
                index += 1
            }
            if inQuotes { return }
            record.ends.append(record.bytes.count)
            try body(record, startLine)
            record.bytes.removeAll(keepingCapacity: true)
            record.ends.removeAll(keepingCapacity: true)
            fieldStart = 0
        }
        if inQuotes {
            throw DataError.malformed(
                file: path, expected: "a closing quote for the field opened at line \(quoteLine), column \(quoteColumn)",
                actual: "the end of the file")
        }
    }

    /// Writes a data set as CSV (``text(_:targetColumn:)``), atomically: to a temporary file
    /// renamed into place, never over one of `inputs`.
    public static func write(_ dataset: Dataset, to path: String, targetColumn: String = "target", inputs: [String] = []) throws {
        try OutputFile.write(Array(text(dataset, targetColumn: targetColumn).utf8), to: path, inputs: inputs)
    }

    /// A data set as CSV with a header: the features, then the target column when the data
    /// set has targets; each value as the shortest text that reads back to the same `Float`.
    public static func text(_ dataset: Dataset, targetColumn: String = "target") -> String {
        var text = ""
        let names = dataset.featureNames + (dataset.targets == nil ? [] : [targetColumn])
        text += names.map(quoted).joined(separator: ",") + "\n"
        let width = dataset.features.shape[1]
        let values = dataset.features.scalars
        for row in 0..<dataset.count {
            var fields = (0..<width).map { "\(values[row * width + $0])" }
            if let targets = dataset.targets { fields.append(String(targets[row])) }
            text += fields.joined(separator: ",") + "\n"
        }
        return text
    }

    private static func quoted(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

extension CSV {
    /// Streams a numeric CSV in batches of at most `batchSize` rows, so files of any size
    /// are read in bounded memory. The header is required; `labelColumn`, when named and
    /// present, and the `excluding` columns (each must exist) are left out of the features.
    ///
    /// `categorical` columns are one-hot encoded after the numeric ones with the given
    /// encoding (a detector's stored one).
    ///
    /// - Parameter body: called with each batch's features (`[rows, columns]`), the
    ///   feature names and the line on which each of the batch's rows starts.
    /// - Throws: the same ``DataError``s as ``read(path:labelColumn:delimiter:)``, naming the line.
    public static func forEachBatch(
        path: String, batchSize: Int, labelColumn: String? = nil, excluding: Set<String> = [], categorical: [CategoricalColumn] = [],
        _ body: (_ features: Tensor, _ names: [String], _ lines: [Int]) throws -> Void
    ) throws {
        try forEachBatch(path: path, batchSize: batchSize, labelColumn: labelColumn, labels: nil, excluding: excluding, categorical: categorical) {
            features, _, names, lines in try body(features, names, lines)
        }
    }

    /// Streams a numeric CSV in batches as ``forEachBatch(path:batchSize:labelColumn:excluding:categorical:_:)``
    /// and, with `labels`, reads `labelColumn` (which must then exist) into targets 0
    /// (normal) and 1 (outlier) as ``read(path:labelColumn:labels:excluding:categorical:delimiter:limits:)`` does.
    ///
    /// - Parameter body: called with each batch's features, its targets (`nil` without
    ///   `labels`), the feature names and the line on which each row starts.
    public static func forEachBatch(
        path: String, batchSize: Int, labelColumn: String?, labels: LabelCoding?, excluding: Set<String> = [], categorical: [CategoricalColumn] = [],
        _ body: (_ features: Tensor, _ targets: [Int]?, _ names: [String], _ lines: [Int]) throws -> Void
    ) throws {
        guard batchSize >= 1 else { throw DataError.invalidArgument(name: "batch size", expected: "at least 1", actual: "\(batchSize)") }
        var header: [String]?
        var skip: Set<Int> = []
        var labelIndex: Int?
        var values: [Float] = []
        var targets: [Int] = []
        var lines: [Int] = []
        var width = 0
        var (normalRows, rowsRead) = (0, 0)
        var categories = CategoricalReader(.apply(categorical))
        let limits = InputLimits.current
        func flush() throws {
            guard !lines.isEmpty, let header else { return }
            let names = header.enumerated().filter { !skip.contains($0.offset) }.map(\.element) + categorical.flatMap(\.featureNames)
            let features = try categories.appendOneHot(to: values, numericWidth: width, limits: limits, file: path)
            try body(Tensor(shape: [lines.count, names.count], scalars: features), labelIndex == nil ? nil : targets, names, lines)
            values.removeAll(keepingCapacity: true)
            targets.removeAll(keepingCapacity: true)
            lines.removeAll(keepingCapacity: true)
        }
        try forEachRecord(source: ByteSource(path: path), delimiter: 0x2C) { fields, line in
            guard let names = header else {
                let names = (0..<fields.count).map { fields.string($0) }
                header = names
                if let labelColumn, labels != nil {
                    guard let index = names.firstIndex(of: labelColumn) else {
                        throw DataError.unexpectedValue(file: path, line: line, column: nil, expected: "a column named \"\(labelColumn)\"", actual: "columns \(names)")
                    }
                    labelIndex = index
                }
                skip = try excludedColumns(excluding, of: names, file: path, line: line).union(labelColumn.flatMap { names.firstIndex(of: $0) }.map { [$0] } ?? [])
                try checkDisjoint(categorical.map(\.name), label: labelColumn, excluding: excluding, file: path, line: line)
                skip.formUnion(try categories.resolve(header: names, file: path, line: line))
                width = names.count - skip.count
                return
            }
            guard fields.count == names.count else {
                throw DataError.fieldCount(file: path, line: line, expected: names.count, actual: fields.count)
            }
            if let labelIndex, let labels {
                let target = try fields.withField(labelIndex) { try labels.target(of: $0, file: path, line: line, column: labelIndex + 1, name: names[labelIndex]) }
                targets.append(target)
                if target == 0 { normalRows += 1 }
            }
            try appendNumbers(fields, skipping: skip, names: names, file: path, line: line, to: &values)
            try categories.read(fields, names: names, file: path, line: line)
            lines.append(line)
            rowsRead += 1
            if lines.count == batchSize { try flush() }
        }
        try flush()
        if header == nil { throw DataError.malformed(file: path, expected: "a header line", actual: "an empty file") }
        if case let .normal(value)? = labels, let labelColumn, labelIndex != nil, rowsRead > 0, normalRows == 0 {
            throw DataError.unexpectedValue(
                file: path, line: nil, column: nil, expected: "some rows labelled \"\(value)\" (the normal label) in column \"\(labelColumn)\"", actual: "none")
        }
    }
}

/// How a label column is read into targets 0 (normal) and 1 (outlier).
public enum LabelCoding: Sendable, Equatable {
    /// Every label is a number: 0 is normal, any other number an outlier (`0`, `0.0`,
    /// `0.00000` and `-0` are all normal). A label that is not a number is an error that
    /// suggests ``normal(_:)``.
    case numeric
    /// Labels are words (or numbers): rows labelled exactly `value` are normal, every
    /// other label an outlier (numbers also match by value: `0.0` matches `0`).
    case normal(String)

    func target(of text: UnsafeBufferPointer<UInt8>, file: String, line: Int, column: Int, name: String) throws -> Int {
        let number = NumberParser.double(text)
        switch self {
        case .numeric:
            guard let number, number.isFinite else {
                let found = messageText(String(decoding: text.prefix(320), as: UTF8.self))
                throw DataError.unexpectedValue(
                    file: file, line: line, column: column,
                    expected: "a numeric label in column \"\(name)\" (0 = normal, any other number = outlier); for word labels name the normal one (--normal-label)",
                    actual: "\"\(found)\"")
            }
            return number == 0 ? 0 : 1
        case let .normal(value):
            if text.elementsEqual(value.utf8) { return 0 }
            if let number, let normal = Double(value), number == normal { return 0 }
            return 1
        }
    }
}
