import ArgumentParser
import Foundation
import VigilDetect
import VigilTensor

/// `vigil import`: a Vigil detector from weights trained by alibi-detect or the PyTorch DAGMM.
struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Build a Vigil detector from weights trained elsewhere (alibi-detect, the PyTorch DAGMM) and save it.",
        discussion: """
            The weights file (.safetensors or .npz) holds each network's dense layers under \
            the name map --names: alibi: encoder_net/i/kernel and /bias (i = 0, 1, … over the \
            Keras Dense layers), decoder_net/i/…, gmm_density_net/i/…, fc_mean/…, fc_log_var/…, \
            and the fitted mixture phi [K], mu [K, D], cov [K, D, D] (od.phi, od.mu, od.cov); \
            pytorch-dagmm: the state_dict's encoder.j.weight and .bias, decoder.j.…, \
            estimation.j.…, phi, mu, cov. The architecture is read off the kernels; hidden \
            layers use the reference example's activation (relu for vae and vaegmm, tanh otherwise). \
            --config names a JSON file with any of: activation, features (alibi, \
            alibi-as-released — the default for alibi's weights, as alibi-detect 0.13 computes \
            them —, paper — the default for the PyTorch DAGMM —, rms), \
            standardizer {mean, standardDeviation}, threshold, jitter, samples.
            """)

    @Option(help: "The detector kind: \(WeightImport.Kind.allCases.map(\.rawValue).joined(separator: ", ")).") var kind: WeightImport.Kind
    @Option(help: "The weights file (.safetensors or .npz).") var weights: String
    @Option(help: "Whose tensor names the file uses: alibi or pytorch-dagmm.") var names: WeightNames = .alibi
    @Option(help: "A JSON file of settings (standardizer, threshold, features, activation, …).") var config: String?
    @Option(help: "The folder to save the detector to.") var out: String
    @Flag(help: "Replace a detector already saved at --out (never a file or any other folder).") var overwrite = false

    func run() throws {
        let settings = try config.map(WeightImport.readSettings(path:)) ?? ImportSettings()
        let tensors = try WeightImport.readTensors(path: weights)
        let detector = try WeightImport.detector(kind: kind, tensors: tensors, names: names, settings: settings, file: weights)
        try detector.save(to: URL(fileURLWithPath: out), overwrite: overwrite)
        say("saved \(type(of: detector).kind) to \(out): \(detector.featureCount) features, imported from \(weights) (\(names.rawValue) names)")
    }
}

extension WeightImport.Kind: ExpressibleByArgument {}
extension WeightNames: ExpressibleByArgument {}
