import ArgumentParser
import Foundation
import VigilData
import VigilDetect

/// `vigil score`: scores a file with a saved detector, streaming it in batches.
struct Score: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score a CSV, NPY or NPZ file (or images: a folder of PNG files, an [n, h, w, c] array) with a saved detector.",
        discussion: """
            Writes one row per input row: instance_score, is_outlier (score above the \
            detector's threshold) and, with --feature-scores, one score per feature. CSV (plain \
            or gzip) and .npy input is streamed in batches, and a CSV output is written as it \
            goes, so memory does not grow with the file (a JSON output holds its arrays until \
            the end); the output file appears only when every row was scored.
            """)

    @Option(help: "The saved detector's folder.") var model: String
    @Option(help: "A .csv (header, numeric columns), .npy or .npz file; for a detector trained on images, a folder of PNG files or an .npy/.npz of shape [n, h, w, c].") var input: String
    @Option(help: "Where to write the scores (.csv or .json; a regular file, never the input); standard output when omitted or -.") var output: String?
    @Option(help: "In a CSV: a column of labels to leave out of the features.") var labelColumn: String?
    @Option(help: "In a CSV: comma-separated columns to leave out, as given to vigil train.") var excludeColumns: String?
    @Option(help: "In an .npz: the features array (default: the first of \(NumericTable.featureKeys.joined(separator: ", "))).") var featuresKey: String?
    @Flag(help: "Also write each feature's score (reconstruction detectors).") var featureScores = false
    @Option(help: "Rows per batch.") var batchSize: Int = 65_536
    @Option(help: "Variational detectors (VAE, VAEGMM): score with sampled latent codes (alibi-detect's scoring) or with z = μ, deterministic, as an exported ONNX model does.")
    var latent: LatentScoring = .sampled

    func validate() throws {
        if batchSize < 1 { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
    }

    func run() throws {
        let detector = try DetectorStore.load(from: URL(fileURLWithPath: model))
        if let variational = detector as? any VariationalScoring {
            variational.latentScoring = latent
        } else if latent != .sampled {
            throw ValidationError("--latent applies to variational detectors; \(type(of: detector).kind) has no latent code")
        }
        try FileScoring.run(
            detector: detector, input: input, output: output,
            protecting: [model + "/config.json", model + "/weights.safetensors"], labelColumn: labelColumn,
            excluding: TableOptions.columns(excludeColumns),
            featuresKey: featuresKey, featureScores: featureScores,
            batchSize: batchSize)
    }
}
