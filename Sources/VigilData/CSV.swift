import Foundation
import VigilTensor

/// Comma-separated values: numeric tables with a header, RFC 4180 quoting (fields in
/// double quotes may hold commas, line breaks and doubled quotes), plain or gzip-compressed.
public enum CSV {
    /// Reads a numeric table into a ``Dataset``.
    ///
    /// - Parameters:
    ///   - path: the file (plain or `.gz`).
    ///   - labelColumn: the name of a column holding the target of each row: integers are
    ///     used as they are; any other values become codes in order of first appearance,
    ///     with the values as `targetNames`.
    ///   - delimiter: the field separator.
    /// - Throws: ``DataError`` naming the file, line and column for a row with the wrong
    ///   number of fields, an empty or `NA` field (missing value), or a non-number.
    public static func read(path: String, labelColumn: String? = nil, delimiter: Character = ",") throws -> Dataset {
        guard let separator = delimiter.asciiValue else {
            throw DataError.invalidArgument(name: "delimiter", expected: "an ASCII character", actual: "\(delimiter)")
        }
        var header: [String]?
        var labelIndex: Int?
        var values: [Float] = []
        var rawLabels: [String] = []
        var rows = 0
        try forEachRecord(path: path, delimiter: separator) { fields, line in
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
                return
            }
            guard fields.count == names.count else {
                throw DataError.fieldCount(file: path, line: line, expected: names.count, actual: fields.count)
            }
            if let labelIndex { rawLabels.append(fields.string(labelIndex)) }
            try appendNumbers(fields, skipping: labelIndex, names: names, file: path, line: line, to: &values)
            rows += 1
        }
        guard let header else { throw DataError.malformed(file: path, expected: "a header line", actual: "an empty file") }
        let featureNames = header.enumerated().filter { $0.offset != labelIndex }.map(\.element)
        var targets: [Int]?
        var targetNames: [String] = []
        if labelIndex != nil {
            if rawLabels.allSatisfy({ Int($0) != nil }) {
                targets = rawLabels.map { Int($0)! }
            } else {
                var codes: [String: Int] = [:]
                targets = rawLabels.map { value in
                    if let code = codes[value] { return code }
                    codes[value] = targetNames.count
                    targetNames.append(value)
                    return targetNames.count - 1
                }
            }
        }
        return Dataset(
            features: Tensor(shape: [rows, featureNames.count], scalars: values), targets: targets,
            featureNames: featureNames, targetNames: targetNames)
    }

    /// Parses every field but `skipping` as a number and appends it to `values`.
    static func appendNumbers(
        _ fields: Record, skipping: Int?, names: [String], file: String, line: Int, to values: inout [Float]
    ) throws {
        for column in 0..<fields.count where column != skipping {
            try fields.withField(column) { text in
                if text.isEmpty || isMissingMarker(text) {
                    throw DataError.missingValue(file: file, line: line, column: column + 1, name: names[column])
                }
                guard let value = NumberParser.double(text) else {
                    throw DataError.invalidNumber(file: file, line: line, column: column + 1, text: String(decoding: text, as: UTF8.self))
                }
                values.append(Float(value))
            }
        }
    }

    private static func isMissingMarker(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
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
    static func forEachRecord(path: String, delimiter: UInt8, _ body: (Record, Int) throws -> Void) throws {
        var record = Record()
        var fieldStart = 0
        var inQuotes = false
        var startLine = 0
        var quoteLine = 0
        var quoteColumn = 0
        try LineReader.forEachLine(path) { line, number in
            if !inQuotes {
                if line.isEmpty { return }
                startLine = number
            } else {
                record.bytes.append(0x0A)  // the line break inside a quoted field
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

    /// Writes a data set as CSV with a header (features, then the target column when the
    /// data set has targets), atomically: to a temporary file renamed into place.
    public static func write(_ dataset: Dataset, to path: String, targetColumn: String = "target") throws {
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
        try AtomicFile.write(Array(text.utf8), to: path)
    }

    private static func quoted(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// Writes files so that readers see the old content or the new, never half of it.
enum AtomicFile {
    static func write(_ bytes: [UInt8], to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
        do {
            try Data(bytes).write(to: temporary)
        } catch {
            throw DataError.ioFailure(file: path, reason: "cannot write: \(error.localizedDescription)")
        }
        if rename(temporary.path, url.path) != 0 {
            try? FileManager.default.removeItem(at: temporary)
            throw DataError.ioFailure(file: path, reason: "cannot move the written file into place")
        }
    }
}

extension CSV {
    /// Streams a numeric CSV in batches of at most `batchSize` rows, so files of any size
    /// are read in bounded memory. The header is required; `labelColumn`, when named and
    /// present, is left out of the features.
    ///
    /// - Parameter body: called with each batch's features (`[rows, columns]`), the
    ///   feature names and the line number of the batch's first row.
    /// - Throws: the same ``DataError``s as ``read(path:labelColumn:delimiter:)``, naming the line.
    public static func forEachBatch(
        path: String, batchSize: Int, labelColumn: String? = nil,
        _ body: (_ features: Tensor, _ names: [String], _ firstLine: Int) throws -> Void
    ) throws {
        guard batchSize >= 1 else { throw DataError.invalidArgument(name: "batch size", expected: "at least 1", actual: "\(batchSize)") }
        var header: [String]?
        var skip: Int?
        var values: [Float] = []
        var rows = 0
        var firstLine = 0
        var width = 0
        func flush() throws {
            guard rows > 0, let header else { return }
            try body(Tensor(shape: [rows, width], scalars: values), header.enumerated().filter { $0.offset != skip }.map(\.element), firstLine)
            values.removeAll(keepingCapacity: true)
            rows = 0
        }
        try forEachRecord(path: path, delimiter: 0x2C) { fields, line in
            guard let names = header else {
                let names = (0..<fields.count).map { fields.string($0) }
                header = names
                skip = labelColumn.flatMap { names.firstIndex(of: $0) }
                width = names.count - (skip == nil ? 0 : 1)
                return
            }
            guard fields.count == names.count else {
                throw DataError.fieldCount(file: path, line: line, expected: names.count, actual: fields.count)
            }
            if rows == 0 { firstLine = line }
            try appendNumbers(fields, skipping: skip, names: names, file: path, line: line, to: &values)
            rows += 1
            if rows == batchSize { try flush() }
        }
        try flush()
        if header == nil { throw DataError.malformed(file: path, expected: "a header line", actual: "an empty file") }
    }
}
