import Foundation
import Testing
import VigilData
import VigilDetect
import VigilNN
import VigilTensor

@testable import VigilONNX

/// The export's structure and errors. Its numbers are checked in ONNX Runtime itself by
/// `scripts/onnx-check.sh` (run by `.ci/run`), against `vigil score` on 4,000 rows per kind.
@Suite struct ONNXExportTests {
    /// A 3-feature autoencoder with hand-set weights, a standardiser and a threshold.
    static func autoencoder() throws -> OutlierAE {
        let encoder = Sequential([Dense(kernel: Tensor(shape: [3, 2], scalars: [0.5, -1, 0.25, 2, -0.75, 1]), bias: Tensor(shape: [2], scalars: [0.1, -0.2]), activation: .tanh)])
        let decoder = Sequential([Dense(kernel: Tensor(shape: [2, 3], scalars: [1, 0, -1, 0.5, 2, 0]), bias: Tensor(shape: [3], scalars: [0, 0.3, -0.3]), activation: .linear)])
        let detector = try OutlierAE(network: .init(encoder: encoder, decoder: decoder), featureCount: 3)
        detector.standardizer = Standardizer(mean: [1, 2, 3], standardDeviation: [2, 4, 8])
        detector.threshold = Threshold(value: 0.75, rule: .percentile(95))
        return detector
    }

    @Test func anAutoencoderExportsItsWholeScoringPathWithNamedInputsAndOutputs() throws {
        let bytes = try ONNXExport.model(of: try Self.autoencoder())
        let model = try Onnx_ModelProto(serializedBytes: bytes)
        #expect(model.irVersion == 8 && model.opsetImport.map(\.version) == [17] && model.producerName == "vigil")
        let graph = model.graph
        #expect(graph.input.map(\.name) == ["x"])
        let inputShape = graph.input[0].type.tensorType.shape.dim.map { $0.dimParam.isEmpty ? "\($0.dimValue)" : $0.dimParam }
        #expect(inputShape == ["N", "3"])
        #expect(graph.output.map(\.name) == ["instance_score", "is_outlier", "feature_score"])
        #expect(graph.output.map { $0.type.tensorType.elemType } == [1, 9, 1])  // FLOAT, BOOL, FLOAT
        #expect(graph.node.map(\.opType) == [
            "Sub", "Div",  // the standardiser
            "MatMul", "Add", "Tanh", "MatMul", "Add",  // encoder, decoder
            "Sub", "Mul", "ReduceMean",  // (x − x̂)², their mean
            "Identity", "Greater", "Identity", "Identity",
        ])
        let kernel = try #require(graph.initializer.first { $0.name == "encoder.0.kernel" })
        #expect(kernel.dims == [3, 2])
        let values = kernel.rawData.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        #expect(values == [0.5, -1, 0.25, 2, -0.75, 1])
        let threshold = try #require(graph.initializer.first { $0.name == "threshold" })
        #expect(threshold.rawData.withUnsafeBytes { $0.load(as: Float.self) } == 0.75 && threshold.dims.isEmpty)
        #expect(model.metadataProps.first { $0.key == "vigil.kind" }?.value == "OutlierAE")
    }

    @Test func opset18TakesReductionAxesAsInputs() throws {
        let detector = try Self.autoencoder()
        let at17 = try Onnx_ModelProto(serializedBytes: ONNXExport.model(of: detector, opset: 17)).graph
        let at18 = try Onnx_ModelProto(serializedBytes: ONNXExport.model(of: detector, opset: 18)).graph
        let mean17 = try #require(at17.node.first { $0.opType == "ReduceMean" })
        let mean18 = try #require(at18.node.first { $0.opType == "ReduceMean" })
        #expect(mean17.input.count == 1 && mean17.attribute.map(\.name).sorted() == ["axes", "keepdims"])
        #expect(mean18.input.count == 2 && mean18.attribute.map(\.name) == ["keepdims"])
    }

    @Test func aTopPercentageScoreUsesTopK() throws {
        let detector = try Self.autoencoder()
        detector.configuration.outlierPercentage = 50  // ⌈0.5 · 3⌉ = 2 of 3 features
        let graph = try Onnx_ModelProto(serializedBytes: ONNXExport.model(of: detector)).graph
        let topK = try #require(graph.node.first { $0.opType == "TopK" })
        let k = try #require(graph.initializer.first { $0.name == topK.input[1] })
        #expect(k.int64Data == [2])
    }

    @Test func refusalsNameWhatIsMissing() throws {
        let detector = try Self.autoencoder()
        #expect(throws: ONNXExportError.unsupportedOpset(found: 12, supported: 17...21)) { try ONNXExport.model(of: detector, opset: 12) }
        #expect("\(ONNXExportError.unsupportedOpset(found: 12, supported: 17...21))" == "opset 12 is not supported: expected 17…21")
        let sequence = try Seq2SeqDetector.deepadPreset(featureCount: 3, encoderUnits: 2, seed: 1)
        #expect(!ONNXExport.canExport(sequence))
        #expect(throws: ONNXExportError.unsupportedKind("Seq2Seq")) { try ONNXExport.model(of: sequence) }
        #expect(throws: ONNXExportError.unfitted(kind: "OneClassSVM", missing: "support vectors")) { try ONNXExport.model(of: OneClassSVM(featureCount: 3)) }
        #expect(throws: ONNXExportError.unfitted(kind: "IsolationForest", missing: "trees")) { try ONNXExport.model(of: IsolationForest(featureCount: 3)) }
        let mixture = OutlierAEGMM.kddPreset(featureCount: 3, seed: 0)
        #expect(throws: ONNXExportError.unfitted(kind: "OutlierAEGMM", missing: "mixture")) { try ONNXExport.model(of: mixture) }
        #expect(
            "\(ONNXExportError.unfitted(kind: "OutlierAEGMM", missing: "mixture"))" == "OutlierAEGMM has no mixture: fit the detector before exporting it")
    }

    /// The forest's tree ensemble, walked here from its attributes alone (true branch when
    /// `x < value`, leaf weights summed, `2^(−sum · scale)`), scores every row as the detector does.
    @Test func anIsolationForestIsOneTreeEnsembleThatScoresAsTheForest() throws {
        var generator = SeededRandom(seed: 4)
        let data = generator.normalTensor([300, 3])
        let forest = try IsolationForest(featureCount: 3, configuration: .init(trees: 12, samplesPerTree: 64, seed: 2))
        _ = try forest.fit(data, options: FitOptions(seed: 1, progress: .silent))
        try forest.inferThreshold(data, percentile: 90)
        let model = try Onnx_ModelProto(serializedBytes: ONNXExport.model(of: forest))
        #expect(model.opsetImport.map { "\($0.domain):\($0.version)" } == [":17", "ai.onnx.ml:3"])
        let graph = model.graph
        let ensemble = try #require(graph.node.first { $0.opType == "TreeEnsembleRegressor" })
        #expect(ensemble.domain == "ai.onnx.ml")
        func ints(_ name: String) -> [Int] { ensemble.attribute.first { $0.name == name }.map { $0.ints.map(Int.init) } ?? [] }
        func floats(_ name: String) -> [Float] { ensemble.attribute.first { $0.name == name }?.floats ?? [] }
        let modes = ensemble.attribute.first { $0.name == "nodes_modes" }?.strings.map { String(decoding: $0, as: UTF8.self) } ?? []
        let (trees, ids, features, values, yes, no) = (ints("nodes_treeids"), ints("nodes_nodeids"), ints("nodes_featureids"), floats("nodes_values"),
            ints("nodes_truenodeids"), ints("nodes_falsenodeids"))
        var index: [[Int]: Int] = [:]
        for position in trees.indices { index[[trees[position], ids[position]]] = position }
        var weights: [[Int]: Float] = [:]
        for (position, weight) in floats("target_weights").enumerated() { weights[[ints("target_treeids")[position], ints("target_nodeids")[position]]] = weight }
        let scaleData = try #require(graph.initializer.first { $0.name == "forest.scale" }).rawData
        try #require(scaleData.count == 4)
        let scale = Float(bitPattern: scaleData.withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }.littleEndian)
        let expected = try forest.score(data).instance
        // The graph standardises first, as the detector does; the splits are in standardised units.
        let input = try forest.standardizer.map { try $0.transform(data) } ?? data
        #expect(forest.standardizer != nil)
        for row in 0..<300 {
            var sum: Float = 0
            for tree in 0..<12 {
                var node = 0
                while modes[index[[tree, node]]!] == "BRANCH_LT" {
                    let position = index[[tree, node]]!
                    node = input[row, features[position]] < values[position] ? yes[position] : no[position]
                }
                sum += weights[[tree, node]]!
            }
            #expect(abs(Float(Foundation.pow(2, Double(sum * scale))) - expected[row]) <= 1e-5 * expected[row])
        }
        #expect(graph.output.map(\.name) == ["instance_score", "is_outlier"])
    }

    @Test func withoutAThresholdThereIsNoOutlierFlag() throws {
        let detector = try Self.autoencoder()
        detector.threshold = nil
        let graph = try Onnx_ModelProto(serializedBytes: ONNXExport.model(of: detector)).graph
        #expect(graph.output.map(\.name) == ["instance_score", "feature_score"])
    }
}
