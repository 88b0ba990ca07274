import ArgumentParser
import Foundation
import VigilDetect
import VigilONNX
import VigilTensor

/// `vigil export`: writes a saved detector's scoring as one ONNX model.
struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export a saved detector's whole scoring graph as an ONNX model.",
        discussion: """
            The model takes x [N, D] FP32 in the training data's units and returns \
            instance_score [N], is_outlier [N] (BOOL, against the detector's threshold) and, \
            where the kind has them, feature_score [N, D]: standardisation, the networks, the \
            reconstruction features, the mixture energy or the reconstruction score and the \
            threshold in one graph. Variational detectors export with z = μ by default \
            (--latent mean, the same numbers as `vigil score --latent mean`); --latent sampled \
            draws the latent codes inside the graph with RandomNormalLike.
            """)

    @Option(help: "The saved detector's folder.") var model: String
    @Option(help: "The ONNX file to write (replaced if it exists; never one of the model's files).") var onnx: String
    @Option(help: "The ai.onnx opset (\(ONNXExport.supportedOpsets.lowerBound)…\(ONNXExport.supportedOpsets.upperBound)).")
    var opset: Int = ONNXExport.defaultOpset
    @Option(help: "Variational detectors: the latent code the graph scores with (mean or sampled).") var latent: LatentScoring = .mean

    func validate() throws {
        guard ONNXExport.supportedOpsets.contains(opset) else {
            throw ValidationError("--opset must be in \(ONNXExport.supportedOpsets.lowerBound)…\(ONNXExport.supportedOpsets.upperBound), got \(opset)")
        }
    }

    func run() throws {
        let detector = try DetectorStore.load(from: URL(fileURLWithPath: model))
        let bytes = try ONNXExport.model(of: detector, opset: opset, latent: latent)
        try OutputFile.write(bytes, to: onnx, inputs: [model + "/config.json", model + "/weights.safetensors"])
        say("Wrote \(onnx): \(type(of: detector).kind), \(detector.featureCount) features, opset \(opset), \(bytes.count) bytes")
    }
}

extension LatentScoring: ExpressibleByArgument {}
