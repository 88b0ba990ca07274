import Foundation
import SwiftProtobuf
import VigilData
import VigilDetect
import VigilTensor

/// Writes a detector's whole scoring path as one ONNX model, for ONNX Runtime, Triton,
/// KServe or Spark to run without Vigil.
///
/// The graph takes raw rows and does what ``VigilDetect/OutlierDetector/predict(_:)`` does:
///
/// - input `x`: `[N, D]` FP32, in the units the detector was trained on;
/// - the standardiser, `(x − mean) / std`, when the detector has one;
/// - the kind's networks and score (reconstruction error, mixture energy);
/// - outputs `instance_score` `[N]` FP32, `is_outlier` `[N]` BOOL (`instance_score >
///   threshold`, or any `feature_score > threshold` for a feature threshold; absent when
///   the detector has no threshold), and `feature_score` `[N, D]` FP32 for the kinds that
///   score features.
///
/// The variational kinds export with ``VigilDetect/LatentScoring/mean`` by default
/// (`z = μ`, deterministic: `vigil score --latent mean` gives the same numbers); with
/// ``VigilDetect/LatentScoring/sampled`` the graph draws `samples` latent codes per row with
/// `RandomNormalLike`, so its scores agree with Vigil's in distribution, not value.
///
/// Exportable kinds: ``VigilDetect/OutlierAE``, ``VigilDetect/OutlierVAE``,
/// ``VigilDetect/OutlierAEGMM`` (DAGMM), ``VigilDetect/OutlierVAEGMM`` and
/// ``VigilDetect/PCADetector``, with dense networks, ``VigilDetect/IsolationForest`` (a
/// `TreeEnsembleRegressor` of `ai.onnx.ml`) and ``VigilDetect/OneClassSVM`` (its RBF kernel
/// against the support vectors).
public enum ONNXExport {
    /// The opsets the exporter writes (`ai.onnx`); the default is 17.
    public static let supportedOpsets = 17...21
    public static let defaultOpset = 17
    /// The traditional-ML operator set the Isolation Forest's tree ensemble uses, and its
    /// version (3: `TreeEnsembleRegressor`, which ONNX Runtime runs from 1.x on).
    static let mlDomain = "ai.onnx.ml"
    static let mlOpset = 3

    /// Whether `detector`'s kind has an ONNX scoring graph.
    public static func canExport(_ detector: any OutlierDetector) -> Bool { detector is any ONNXScoring }

    /// The serialised ONNX model (protobuf bytes) of `detector`'s scoring.
    ///
    /// - Throws: ``ONNXExportError`` for an opset outside ``supportedOpsets``, a kind or layer
    ///   without an ONNX form, or a detector that was never fitted.
    public static func model(of detector: any OutlierDetector, opset: Int = defaultOpset, latent: LatentScoring = .mean) throws -> [UInt8] {
        let model = try modelProto(of: detector, opset: opset, latent: latent)
        return Array(try model.serializedData())
    }

    static func modelProto(of detector: any OutlierDetector, opset: Int, latent: LatentScoring) throws -> Onnx_ModelProto {
        guard supportedOpsets.contains(opset) else {
            throw ONNXExportError.unsupportedOpset(found: opset, supported: supportedOpsets)
        }
        guard let scoring = detector as? any ONNXScoring else { throw ONNXExportError.unsupportedKind(type(of: detector).kind) }
        let width = detector.featureCount
        var graph = ONNXGraph(opset: opset)
        graph.reserve("x")
        let input = ONNXValue(name: "x", elementType: .float, shape: [nil, width], documentation: "rows in the training data's units")

        var modelInput = "x"
        if let standardizer = detector.standardizer {
            modelInput = graph.within("standardizer") { graph in
                let centred = graph.apply("Sub", "x", graph.constant("mean", standardizer.mean, shape: [width]))
                return graph.apply("Div", centred, graph.constant("std", standardizer.standardDeviation, shape: [width]))
            }
        }
        let scores = try scoring.emitScores(of: modelInput, into: &graph, latent: latent)

        var outputs = [ONNXValue(name: "instance_score", elementType: .float, shape: [nil], documentation: "the instance score")]
        graph.output("instance_score", from: scores.instance)
        if let threshold = detector.threshold {
            let limit = graph.scalar("threshold", threshold.value)
            let flags: String
            switch threshold.outlierType {
            case .instance:
                flags = graph.apply("Greater", scores.instance, limit)
            case .feature:
                guard let feature = scores.feature else { throw ONNXExportError.unsupportedScore(kind: type(of: detector).kind, score: "a feature threshold without feature scores") }
                let perFeature = graph.apply("Cast", graph.apply("Greater", feature, limit), attributes: [ONNXGraph.attribute("to", 1)])
                let any = graph.reduce("ReduceMax", perFeature, axes: [-1], keepDimensions: false)
                flags = graph.apply("Cast", any, attributes: [ONNXGraph.attribute("to", 9)])
            }
            graph.output("is_outlier", from: flags)
            outputs.append(ONNXValue(name: "is_outlier", elementType: .bool, shape: [nil], documentation: "score above the threshold \(threshold.value)"))
        }
        if let feature = scores.feature {
            graph.output("feature_score", from: feature)
            outputs.append(ONNXValue(name: "feature_score", elementType: .float, shape: [nil, width], documentation: "each feature's score"))
        }

        var proto = Onnx_GraphProto()
        proto.name = type(of: detector).kind
        proto.node = graph.nodes
        proto.initializer = graph.initializers
        proto.input = [input.proto]
        proto.output = outputs.map(\.proto)

        var model = Onnx_ModelProto()
        model.irVersion = opset >= 21 ? 10 : opset >= 19 ? 9 : 8
        model.producerName = "vigil"
        model.producerVersion = Vigil.version
        model.docString = "\(type(of: detector).kind) scoring exported by Vigil \(Vigil.version)"
        var operatorSet = Onnx_OperatorSetIdProto()
        operatorSet.domain = ""
        operatorSet.version = Int64(opset)
        model.opsetImport = [operatorSet]
        if graph.domains.contains(mlDomain) {
            var machineLearning = Onnx_OperatorSetIdProto()
            machineLearning.domain = mlDomain
            machineLearning.version = Int64(mlOpset)
            model.opsetImport.append(machineLearning)
        }
        model.graph = proto
        model.metadataProps = metadata(of: detector, latent: latent)
        return model
    }

    /// `metadata_props`: what a serving stack shows about the model.
    private static func metadata(of detector: any OutlierDetector, latent: LatentScoring) -> [Onnx_StringStringEntryProto] {
        var entries = [("vigil.kind", type(of: detector).kind), ("vigil.features", "\(detector.featureCount)")]
        if detector is any VariationalScoring { entries.append(("vigil.latent", latent.rawValue)) }
        if let threshold = detector.threshold { entries.append(("vigil.threshold", "\(threshold.value)")) }
        if let names = detector.training?.featureNames { entries.append(("vigil.feature_names", names.joined(separator: ","))) }
        return entries.map { key, value in
            var entry = Onnx_StringStringEntryProto()
            entry.key = key
            entry.value = value
            return entry
        }
    }
}

/// Why a detector could not be exported.
public enum ONNXExportError: Error, Equatable, CustomStringConvertible {
    case unsupportedOpset(found: Int, supported: ClosedRange<Int>)
    case unsupportedKind(String)
    case unsupportedLayer(network: String, layer: String)
    case unsupportedScore(kind: String, score: String)
    case unfitted(kind: String, missing: String)

    public var description: String {
        switch self {
        case let .unsupportedOpset(found, supported):
            "opset \(found) is not supported: expected \(supported.lowerBound)…\(supported.upperBound)"
        case let .unsupportedKind(kind):
            "\(kind) has no ONNX export (exportable: OutlierAE, OutlierVAE, OutlierAEGMM, OutlierVAEGMM, PCA, IsolationForest, OneClassSVM)"
        case let .unsupportedLayer(network, layer):
            "network \"\(network)\" has a \(layer) layer, which the ONNX export does not write (dense networks only)"
        case let .unsupportedScore(kind, score):
            "\(kind) scores with \(score), which the ONNX export does not write"
        case let .unfitted(kind, missing):
            "\(kind) has no \(missing): fit the detector before exporting it"
        }
    }
}
