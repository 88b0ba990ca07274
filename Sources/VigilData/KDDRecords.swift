import Foundation
import VigilTensor

/// KDD Cup '99 network-connection records: the raw file format and the views of it that
/// alibi-detect, the DAGMM paper and deepad train on.
///
/// A record is 41 comma-separated features and a label ending in `.`; columns 1–3
/// (`protocol_type`, `service`, `flag`) are categorical, the other 38 numeric.
public enum KDDCup {
    /// The 41 feature names, in file order.
    public static let columnNames = [
        "duration", "protocol_type", "service", "flag", "src_bytes", "dst_bytes", "land",
        "wrong_fragment", "urgent", "hot", "num_failed_logins", "logged_in", "num_compromised",
        "root_shell", "su_attempted", "num_root", "num_file_creations", "num_shells",
        "num_access_files", "num_outbound_cmds", "is_host_login", "is_guest_login", "count",
        "srv_count", "serror_rate", "srv_serror_rate", "rerror_rate", "srv_rerror_rate",
        "same_srv_rate", "diff_srv_rate", "srv_diff_host_rate", "dst_host_count",
        "dst_host_srv_count", "dst_host_same_srv_rate", "dst_host_diff_srv_rate",
        "dst_host_same_src_port_rate", "dst_host_srv_diff_host_rate", "dst_host_serror_rate",
        "dst_host_srv_serror_rate", "dst_host_rerror_rate", "dst_host_srv_rerror_rate",
    ]

    /// The positions of the categorical columns among the 41.
    public static let categoricalColumns = [1, 2, 3]

    /// The positions of the 38 numeric columns among the 41.
    public static let numericColumns = (0..<41).filter { !categoricalColumns.contains($0) }

    /// The 18 continuous features alibi-detect's `fetch_kdd` (and deepad) keep, in order.
    public static let continuousFeatureNames = [
        "srv_count", "serror_rate", "srv_serror_rate", "rerror_rate", "srv_rerror_rate",
        "same_srv_rate", "diff_srv_rate", "srv_diff_host_rate", "dst_host_count",
        "dst_host_srv_count", "dst_host_same_srv_rate", "dst_host_diff_srv_rate",
        "dst_host_same_src_port_rate", "dst_host_srv_diff_host_rate", "dst_host_serror_rate",
        "dst_host_srv_serror_rate", "dst_host_rerror_rate", "dst_host_srv_rerror_rate",
    ]

    /// The label of normal traffic.
    public static let normalLabel = "normal."

    /// Attack name (without the final `.`) to category: dos, u2r, r2l, probe.
    public static let attackCategories: [String: String] = [
        "back": "dos", "land": "dos", "neptune": "dos", "pod": "dos", "smurf": "dos", "teardrop": "dos",
        "buffer_overflow": "u2r", "loadmodule": "u2r", "perl": "u2r", "rootkit": "u2r",
        "ftp_write": "r2l", "guess_passwd": "r2l", "imap": "r2l", "multihop": "r2l", "phf": "r2l",
        "spy": "r2l", "warezclient": "r2l", "warezmaster": "r2l",
        "ipsweep": "probe", "nmap": "probe", "portsweep": "probe", "satan": "probe",
    ]

    /// One parsed record, valid only during the callback that receives it.
    public struct Record {
        /// The 38 numeric features in file order (see ``KDDCup/numericColumns``).
        public let numeric: UnsafeBufferPointer<Float>
        /// Codes of `protocol_type`, `service` and `flag` into the parser's vocabularies.
        public let categories: (protocolType: Int, service: Int, flag: Int)
        /// Code of the label into the parser's label vocabulary.
        public let label: Int
        /// The 1-based line number.
        public let line: Int
    }

    /// The category and label names met while parsing, in order of first appearance.
    public struct Vocabulary: Sendable {
        public var protocolTypes: [String]
        public var services: [String]
        public var flags: [String]
        public var labels: [String]
    }

    /// Streams the records of a raw KDD file (plain or gzip-compressed) in bounded memory.
    ///
    /// - Throws: ``DataError`` naming the file and line: a record without 42 fields (41
    ///   features and the label), a numeric field that is not a number, corrupt or
    ///   truncated compression.
    /// - Returns: the vocabularies the record codes refer to.
    @discardableResult
    public static func forEachRecord(inFile path: String, _ body: (Record) throws -> Void) throws -> Vocabulary {
        var interners = [ByteInterner(), ByteInterner(), ByteInterner(), ByteInterner()]
        var numeric = [Float](repeating: 0, count: 38)
        var fieldStarts = [Int](repeating: 0, count: 43)
        try LineReader.forEachLine(path) { line, lineNumber in
            if line.isEmpty { return }
            // Field boundaries: fieldStarts[i] is where field i begins; one past the comma.
            var fields = 1
            fieldStarts[0] = 0
            for (position, byte) in line.enumerated() where byte == 0x2C {
                if fields < 42 { fieldStarts[fields] = position + 1 }
                fields += 1
            }
            guard fields == 42 else {
                throw DataError.fieldCount(file: path, line: lineNumber, expected: 42, actual: fields)
            }
            fieldStarts[42] = line.count + 1
            func field(_ index: Int) -> UnsafeBufferPointer<UInt8> {
                UnsafeBufferPointer(rebasing: line[fieldStarts[index]..<(fieldStarts[index + 1] - 1)])
            }
            var numericIndex = 0
            var codes = (0, 0, 0)
            for column in 0..<41 {
                let text = field(column)
                switch column {
                case 1: codes.0 = interners[0].code(of: text)
                case 2: codes.1 = interners[1].code(of: text)
                case 3: codes.2 = interners[2].code(of: text)
                default:
                    guard let value = NumberParser.double(text) else {
                        if text.isEmpty {
                            throw DataError.missingValue(file: path, line: lineNumber, column: column + 1, name: columnNames[column])
                        }
                        throw DataError.invalidNumber(
                            file: path, line: lineNumber, column: column + 1, text: String(decoding: text, as: UTF8.self))
                    }
                    numeric[numericIndex] = Float(value)
                    numericIndex += 1
                }
            }
            let label = interners[3].code(of: field(41))
            try numeric.withUnsafeBufferPointer { values in
                try body(Record(numeric: values, categories: codes, label: label, line: lineNumber))
            }
        }
        return Vocabulary(
            protocolTypes: interners[0].names, services: interners[1].names, flags: interners[2].names,
            labels: interners[3].names)
    }

    /// The positions among the 38 numeric features of the named columns.
    static func numericPositions(of names: [String]) -> [Int] {
        names.map { name in numericColumns.firstIndex(of: columnNames.firstIndex(of: name)!)! }
    }
}
