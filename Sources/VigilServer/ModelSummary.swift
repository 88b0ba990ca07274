import Foundation
import VigilDetect

/// What `GET /v1/models` says of a model: its name, kind, features, threshold and the rule
/// that chose it, and how it was trained.
struct ModelSummary: Encodable {
    struct ThresholdSummary: Encodable {
        var value: Float
        var rule: String
        var outlierType: String

        enum CodingKeys: String, CodingKey { case value, rule, outlierType = "outlier_type" }
    }

    var name: String
    var kind: String
    var featureCount: Int
    var featureNames: [String]?
    var hasFeatureScores: Bool
    var hasSample: Bool
    var threshold: ThresholdSummary?
    var training: TrainingRecord?
    var loadedAt: String

    enum CodingKeys: String, CodingKey {
        case name, kind, featureCount = "feature_count", featureNames = "feature_names", hasFeatureScores = "has_feature_scores", hasSample = "has_sample"
        case threshold, training, loadedAt = "loaded_at"
    }

    init(_ model: ServedModel) {
        let detector = model.detector
        name = model.name
        kind = model.kind
        featureCount = detector.featureCount
        featureNames = detector.training?.featureNames
        hasFeatureScores = model.hasFeatureScores
        hasSample = model.sample != nil
        threshold = detector.threshold.map { ThresholdSummary(value: $0.value, rule: Self.describe($0.rule), outlierType: $0.outlierType.rawValue) }
        training = detector.training
        loadedAt = ISO8601DateFormatter().string(from: model.loadedAt)
    }

    static func describe(_ rule: ThresholdRule) -> String {
        switch rule {
        case .percentile(let q): "percentile \(q) of the scores of the rows it was set on"
        case .falsePositiveRate(let rate): "false-positive rate \(rate) on normal rows"
        case .contamination(let share): "contamination \(share)"
        case .given: "given"
        }
    }

    /// The summaries as JSON, keys sorted.
    static func json(_ value: some Encodable) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(value)) + [0x0A]
    }
}
