import VigilTensor

/// A ``Prediction`` as JSON, in alibi-detect's layout, written the same way by
/// `vigil score --output FILE.json` and by the scoring service, so both give the same bytes
/// for the same rows:
///
/// ```json
/// {"data":{"feature_score":[[…],…],"instance_score":[…],"is_outlier":[0,1,…]},
///  "meta":{"data_type":"tabular","detector_type":"outlier","name":"OutlierAEGMM","threshold":…,"version":"0.1.0"}}
/// ```
///
/// (one line, keys sorted). `feature_score` is `null` when feature scores were not asked for
/// or the detector has none, as alibi-detect's `None`. Numbers are Swift's shortest
/// representation of each `Float` that reads back to the same value.
///
/// The rows of a file arrive in batches: ``Stream`` writes the feature scores as they come
/// and keeps the two short columns until the end.
public enum PredictionJSON {
    /// The JSON of one whole prediction, with its closing line break.
    public static func encode(_ prediction: Prediction, featureScores: Bool) -> [UInt8] {
        var stream = Stream(meta: prediction.meta, featureScores: featureScores && prediction.featureScores != nil)
        var bytes = stream.append(prediction)
        bytes += stream.finish()
        return bytes
    }

    /// Writes a prediction batch by batch.
    public struct Stream {
        private let meta: Prediction.Meta
        private let featureScores: Bool
        private var started = false
        private var rows = 0
        private var instanceScores: [UInt8] = []
        private var flags: [UInt8] = []

        /// A stream whose `feature_score` holds each row's feature scores when `featureScores`, else `null`.
        public init(meta: Prediction.Meta, featureScores: Bool) {
            self.meta = meta
            self.featureScores = featureScores
        }

        /// The bytes to write for the next batch (its feature scores, when they are written).
        public mutating func append(_ prediction: Prediction) -> [UInt8] {
            var bytes = opening()
            for row in prediction.instanceScores.indices {
                if rows > 0 {
                    instanceScores.append(0x2C)
                    flags.append(0x2C)
                }
                instanceScores += Array(prediction.instanceScores[row].description.utf8)
                flags.append(prediction.isOutlier[row] == 0 ? 0x30 : 0x31)
                if featureScores, let feature = prediction.featureScores {
                    let values = feature.rowScalars(row).map(\.description).joined(separator: ",")
                    bytes += Array(((rows > 0 ? "," : "") + "[" + values + "]").utf8)
                }
                rows += 1
            }
            return bytes
        }

        /// The rest of the document: the instance scores, the flags and the metadata.
        public mutating func finish() -> [UInt8] {
            var bytes = opening()
            bytes += Array((featureScores ? "]," : "").utf8)
            bytes += Array("\"instance_score\":[".utf8) + instanceScores + Array("],\"is_outlier\":[".utf8) + flags
            bytes += Array("]},\"meta\":".utf8) + Self.metaJSON(meta) + Array("}\n".utf8)
            return bytes
        }

        private mutating func opening() -> [UInt8] {
            guard !started else { return [] }
            started = true
            return Array(("{\"data\":{\"feature_score\":" + (featureScores ? "[" : "null,")).utf8)
        }

        private static func metaJSON(_ meta: Prediction.Meta) -> [UInt8] {
            let fields: [(key: String, json: String)] = [
                ("data_type", jsonString(meta.dataType)), ("detector_type", jsonString(meta.detectorType)), ("name", jsonString(meta.name)),
                ("threshold", meta.threshold.description), ("version", jsonString(meta.version)),
            ]
            return Array(jsonObject(fields).utf8)
        }
    }

    /// A JSON object of `fields` in the given order, each value already JSON text.
    public static func jsonObject(_ fields: [(key: String, json: String)]) -> String {
        "{" + fields.map { jsonString($0.key) + ":" + $0.json }.joined(separator: ",") + "}"
    }

    /// `text` as a JSON string literal.
    public static func jsonString(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
