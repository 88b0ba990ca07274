/// Errors from reading, writing and fetching data. Every message names the file and,
/// where there is one, the line and column, and says what was expected and what was found.
public enum DataError: Error, Equatable, CustomStringConvertible {
    /// The file does not exist or cannot be opened.
    case cannotOpen(file: String, reason: String)
    /// Reading or writing failed at the system level.
    case ioFailure(file: String, reason: String)
    /// Compressed data is damaged or ends early.
    case corruptCompression(file: String, reason: String)
    /// A record has the wrong number of fields.
    case fieldCount(file: String, line: Int, expected: Int, actual: Int)
    /// A field that must be a number is not one.
    case invalidNumber(file: String, line: Int, column: Int, text: String)
    /// A field is empty or `NA` where a value is required.
    case missingValue(file: String, line: Int, column: Int, name: String)
    /// A value is not one of those allowed (an unknown category, label, dtype, …).
    case unexpectedValue(file: String, line: Int?, column: Int?, expected: String, actual: String)
    /// The file's structure is wrong (bad header, wrong size, unsupported layout).
    case malformed(file: String, expected: String, actual: String)
    /// A file's SHA-256 differs from the published one; `deleted` when it was a download
    /// that was removed again.
    case checksumMismatch(file: String, expected: String, actual: String, deleted: Bool)
    /// A data file is not in any data folder or cache and cannot be downloaded here.
    case notFound(file: String, searched: [String], hint: String)
    /// An argument is outside its domain.
    case invalidArgument(name: String, expected: String, actual: String)
    /// The file declares or holds more than an ``InputLimits`` cap allows.
    case tooLarge(file: String, what: String, limit: Int, setting: String)

    public var description: String {
        switch self {
        case let .cannotOpen(file, reason):
            return "\(file): cannot open: \(reason)"
        case let .ioFailure(file, reason):
            return "\(file): \(reason)"
        case let .corruptCompression(file, reason):
            return "\(file): corrupt compressed data: \(reason)"
        case let .fieldCount(file, line, expected, actual):
            return "\(file):\(line): expected \(expected) fields, got \(actual)"
        case let .invalidNumber(file, line, column, text):
            return "\(file):\(line):\(column): expected a number, got \"\(text)\""
        case let .missingValue(file, line, column, name):
            return "\(file):\(line):\(column): missing value in column \"\(name)\""
        case let .unexpectedValue(file, line, column, expected, actual):
            let place = [line.map { ":\($0)" }, column.map { ":\($0)" }].compactMap { $0 }.joined()
            return "\(file)\(place): expected \(expected), got \(actual)"
        case let .malformed(file, expected, actual):
            return "\(file): expected \(expected), got \(actual)"
        case let .checksumMismatch(file, expected, actual, deleted):
            return "\(file): SHA-256 is \(actual), expected \(expected)"
                + (deleted ? "; the download was deleted" : "; replace or remove this copy")
        case let .notFound(file, searched, hint):
            return "\(file) not found (looked in \(searched.joined(separator: ", "))). \(hint)"
        case let .invalidArgument(name, expected, actual):
            return "invalid \(name): expected \(expected), got \(actual)"
        case let .tooLarge(file, what, limit, setting):
            return "\(file): more than \(limit) \(what), the limit (raise it with \(setting))"
        }
    }
}
