import ArgumentParser
import Foundation
import VigilData
import VigilDetect
import VigilONNX
import VigilTensor

/// `vigil export`: writes a saved detector's scoring as one ONNX model.
struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export a saved detector's whole scoring graph as an ONNX model, or its folder as an archive for a catalog.",
        discussion: """
            The model takes x [N, D] FP32 in the training data's units and returns \
            instance_score [N], is_outlier [N] (BOOL, against the detector's threshold) and, \
            where the kind has them, feature_score [N, D]: standardisation, the networks, the \
            reconstruction features, the mixture energy or the reconstruction score and the \
            threshold in one graph (an Isolation Forest: one ai.onnx.ml TreeEnsembleRegressor; \
            a One-Class SVM: its RBF kernel against the support vectors). Variational detectors export with z = μ by default \
            (--latent mean, the same numbers as `vigil score --latent mean`); --latent sampled \
            draws the latent codes inside the graph with RandomNormalLike.

            --archive FILE writes the detector's folder as a reproducible tar archive (the \
            same files give the same bytes) and prints the entry that publishes it in a \
            catalog for vigil fetch-detector: its url is the archive's file name (a file beside \
            the catalog); give the http(s) address instead where you publish it, and a \
            description.
            """)

    @Option(help: "The saved detector's folder.") var model: String
    @Option(help: "The ONNX file to write (replaced if it exists; never one of the model's files); one of --onnx and --archive.") var onnx: String?
    @Option(help: "Instead: the tar archive of the detector's folder to write, for a catalog (--opset and --latent do not apply).") var archive: String?
    @Option(help: "The ai.onnx opset (\(ONNXExport.supportedOpsets.lowerBound)…\(ONNXExport.supportedOpsets.upperBound)).")
    var opset: Int = ONNXExport.defaultOpset
    @Option(help: "Variational detectors: the latent code the graph scores with (mean or sampled).") var latent: LatentScoring = .mean

    func validate() throws {
        guard (onnx == nil) != (archive == nil) else { throw ValidationError("Pass one of --onnx FILE and --archive FILE.") }
        if let archive, let problem = PretrainedCatalog.problem(withName: Self.entryName(archive)) {
            throw ValidationError("--archive: the file's name gives the catalog entry's \(problem)")
        }
        guard ONNXExport.supportedOpsets.contains(opset) else {
            throw ValidationError("--opset must be in \(ONNXExport.supportedOpsets.lowerBound)…\(ONNXExport.supportedOpsets.upperBound), got \(opset)")
        }
    }

    func run() throws {
        let detector = try DetectorStore.load(from: URL(fileURLWithPath: model))
        let inputs = [model + "/config.json", model + "/weights.safetensors", model + "/" + DetectorStore.sampleFile]
        if let archive {
            let bytes = try DetectorStore.archive(of: URL(fileURLWithPath: model))
            try OutputFile.write(bytes, to: archive, inputs: inputs)
            let entry = PretrainedCatalog.Entry(
                name: Self.entryName(archive), kind: type(of: detector).kind,
                featureCount: detector.featureCount, description: "", url: URL(fileURLWithPath: archive).lastPathComponent,
                size: Int64(bytes.count), sha256: SHA256.hex(of: bytes))
            // The entry alone on standard output, so that it can be redirected into a file.
            try? FileHandle.standardError.write(contentsOf: Data("Wrote \(archive): \(bytes.count) bytes; its catalog entry:\n".utf8))
            say(try PretrainedCatalog.json(of: entry))
        } else if let onnx {
            let bytes = try ONNXExport.model(of: detector, opset: opset, latent: latent)
            try OutputFile.write(bytes, to: onnx, inputs: inputs)
            say("Wrote \(onnx): \(type(of: detector).kind), \(detector.featureCount) features, opset \(opset), \(bytes.count) bytes")
        }
    }

    /// The catalog name an archive file gives: its name without the extension.
    static func entryName(_ archive: String) -> String { URL(fileURLWithPath: archive).deletingPathExtension().lastPathComponent }
}

extension LatentScoring: ExpressibleByArgument {}
