import VigilTensor

/// A column of a CSV read as categories and one-hot encoded: one feature per category,
/// named `name=category`, 1 in the row's category and 0 in the others.
///
/// The categories are those of the file read when training — every row, labelled outliers
/// included, so a category seen only in outliers has a feature of its own that is 0 on every
/// normal row (`vigil evaluate` likewise learns the list from the whole table, test rows
/// included; the list, not the labels) — sorted by the bytes of their UTF-8 text (as
/// scikit-learn's `OneHotEncoder` sorts strings). A category first seen when scoring gets 0 in
/// every one of the column's features (scikit-learn's `handle_unknown="ignore"`), which after
/// standardisation is itself an unusual pattern. An empty or `NA` field is a missing value,
/// an error as in a numeric column.
public struct CategoricalColumn: Codable, Sendable, Equatable {
    /// The column's name in the CSV header.
    public var name: String
    /// The categories, in the order of their features.
    public var categories: [String]

    public init(name: String, categories: [String]) {
        self.name = name
        self.categories = categories
    }

    /// The names of the column's features.
    public var featureNames: [String] { categories.map { "\(name)=\($0)" } }
}

/// The categorical columns a CSV read one-hot encodes: named (their categories are learnt
/// from the file) or given (a detector's stored encoding, applied as it is).
public enum CategoricalColumns: Sendable, Equatable {
    /// Learn the categories of these columns from the file.
    case learn([String])
    /// Apply a stored encoding.
    case apply([CategoricalColumn])

    /// No categorical columns.
    public static let none = CategoricalColumns.apply([])

    var names: [String] {
        switch self {
        case let .learn(names): names
        case let .apply(columns): columns.map(\.name)
        }
    }
}

/// Collects the categorical fields of a CSV's rows and writes their one-hot features.
struct CategoricalReader {
    /// The most categories a column may have (one network input each; `VIGIL_MAX_LAYER_UNITS`'s default).
    static let maximumCategories = 65_536

    private(set) var columns: [CategoricalColumn]
    private let learning: Bool
    private var indices: [Int] = []
    /// Category codes by the field's exact UTF-8 bytes (Swift's `String` equality would merge
    /// canonically equivalent spellings, and which one is stored would depend on row order).
    private var lookup: [[[UInt8]: Int]]
    /// The category code of each row's field, row-major (`-1`: a category the encoding lacks).
    private var codes: [Int32] = []

    init(_ request: CategoricalColumns) {
        switch request {
        case let .learn(names):
            columns = names.map { CategoricalColumn(name: $0, categories: []) }
            learning = true
        case let .apply(given):
            columns = given
            learning = false
        }
        lookup = columns.map { column in Dictionary(column.categories.enumerated().map { (Array($1.utf8), $0) }, uniquingKeysWith: { first, _ in first }) }
    }

    var isEmpty: Bool { columns.isEmpty }

    /// The category codes read so far (one per categorical field).
    var codeCount: Int { codes.count }

    /// The one-hot width: one feature per category.
    var width: Int { columns.reduce(0) { $0 + $1.categories.count } }

    /// Finds the columns in the header; returns their indices (to leave out of the numbers).
    mutating func resolve(header names: [String], file: String, line: Int) throws -> Set<Int> {
        indices = try columns.map { column in
            guard let index = names.firstIndex(of: column.name) else {
                throw DataError.unexpectedValue(
                    file: file, line: line, column: nil,
                    expected: "a categorical column named \"\(messageText(column.name))\"" + (learning ? "" : " (the detector was trained with --categorical)"),
                    actual: "columns \(names)")
            }
            return index
        }
        return Set(indices)
    }

    /// Reads one record's categorical fields.
    mutating func read(_ fields: CSV.Record, names: [String], file: String, line: Int) throws {
        for (slot, index) in indices.enumerated() {
            if fields.withField(index, { $0.isEmpty || CSV.isMissingMarker($0) }) {
                throw DataError.missingValue(file: file, line: line, column: index + 1, name: names[index])
            }
            let bytes = fields.withField(index) { Array($0) }
            if let code = lookup[slot][bytes] {
                codes.append(Int32(code))
            } else if learning {
                guard columns[slot].categories.count < Self.maximumCategories else {
                    throw DataError.unexpectedValue(
                        file: file, line: line, column: index + 1,
                        expected: "at most \(Self.maximumCategories) categories in column \"\(messageText(names[index]))\" (one feature each)",
                        actual: "more")
                }
                guard let category = String(validating: bytes, as: UTF8.self) else {
                    throw DataError.unexpectedValue(
                        file: file, line: line, column: index + 1, expected: "a category in UTF-8 text", actual: "bytes \(hexBytes(bytes.prefix(16)))")
                }
                lookup[slot][bytes] = columns[slot].categories.count
                codes.append(Int32(columns[slot].categories.count))
                columns[slot].categories.append(category)
            } else {
                codes.append(-1)
            }
        }
    }

    /// Sorts learnt categories (recoding the rows read), so the encoding does not depend on
    /// the order of the rows.
    mutating func finishLearning() {
        guard learning else { return }
        for slot in columns.indices {
            let order = columns[slot].categories.indices.sorted { Array(columns[slot].categories[$0].utf8).lexicographicallyPrecedes(columns[slot].categories[$1].utf8) }
            var recode = [Int32](repeating: 0, count: order.count)
            for (new, old) in order.enumerated() { recode[old] = Int32(new) }
            columns[slot].categories = order.map { columns[slot].categories[$0] }
            lookup[slot] = Dictionary(columns[slot].categories.enumerated().map { (Array($1.utf8), $0) }, uniquingKeysWith: { first, _ in first })
            var position = slot
            while position < codes.count {
                codes[position] = recode[Int(codes[position])]
                position += columns.count
            }
        }
    }

    /// `numbers` (`rows × numericWidth`, row-major) with each row's one-hot features
    /// appended; forgets the rows read.
    mutating func appendOneHot(to numbers: [Float], numericWidth: Int, limits: InputLimits, file: String) throws -> [Float] {
        guard !columns.isEmpty else { return numbers }
        let rows = codes.count / columns.count
        let total = numericWidth + width
        guard rows * total <= limits.maximumElements else {
            throw DataError.tooLarge(file: file, what: "values in the table (with the one-hot columns)", limit: limits.maximumElements, setting: "VIGIL_MAX_ELEMENTS")
        }
        var offsets: [Int] = []
        var next = numericWidth
        for column in columns {
            offsets.append(next)
            next += column.categories.count
        }
        var out = [Float](repeating: 0, count: rows * total)
        for row in 0..<rows {
            for column in 0..<numericWidth { out[row * total + column] = numbers[row * numericWidth + column] }
            for slot in columns.indices {
                let code = codes[row * columns.count + slot]
                if code >= 0 { out[row * total + offsets[slot] + Int(code)] = 1 }
            }
        }
        codes.removeAll(keepingCapacity: true)
        return out
    }
}
