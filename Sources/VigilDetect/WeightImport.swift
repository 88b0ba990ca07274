import Foundation
import VigilData
import VigilNN
import VigilTensor

/// Builds a Vigil detector from weights trained elsewhere: alibi-detect's Keras models or
/// the public PyTorch DAGMM's `state_dict`, written to `.safetensors` or `.npz`.
///
/// The architecture is read off the weights (each network's dense layers in order, their
/// widths from the kernels); activations follow the reference examples unless
/// ``ImportSettings`` says otherwise. Every width is checked against the next part's, and
/// every tensor must be used: a name the map does not know is an error naming it.
///
/// Name maps (``WeightNames``), for the `i`-th dense layer of a network (`i` from 0):
///
/// | part | `alibi` (Keras kernel `[in, out]`) | `pytorch-dagmm` (`nn.Linear` weight `[out, in]`, transposed) |
/// | --- | --- | --- |
/// | encoder | `encoder_net/i/kernel`, `…/bias` | `encoder.j.weight`, `…bias` (`j`: the index in `nn.Sequential`) |
/// | decoder | `decoder_net/i/…` | `decoder.j.…` |
/// | mixture membership | `gmm_density_net/i/…` | `estimation.j.…` |
/// | latent mean, log-variance | `fc_mean/kernel`, `fc_log_var/kernel` (+ `/bias`) | — |
/// | mixture | `phi` `[K]`, `mu` `[K, D]`, `cov` `[K, D, D]` (alibi's `od.phi`, `od.mu`, `od.cov`) | `phi`, `mu`, `cov` (the model's buffers) |
public enum WeightImport {
    /// The kinds that can be imported.
    public enum Kind: String, CaseIterable, Sendable {
        case ae, vae, aegmm, vaegmm, dagmm
    }

    /// Reads the tensors of a `.safetensors` file (F32 only) or an `.npz` file (any numeric dtype, converted to Float32).
    public static func readTensors(path: String) throws -> [String: Tensor] {
        if path.hasSuffix(".npz") {
            var tensors: [String: Tensor] = [:]
            for (name, array) in try NumPy.readArchive(path: path) { tensors[name] = array.tensor }
            return tensors
        }
        guard path.hasSuffix(".safetensors") else {
            throw DetectorError.invalidArgument(name: "weights file", expected: "a .safetensors or .npz file", actual: path)
        }
        let limit = min(InputLimits.current.maximumElements, 1 << 40) * 4 + SafeTensors.maximumHeaderBytes + 8
        return try SafeTensors.decode(try DetectorStore.read(path, maximumBytes: limit, setting: "VIGIL_MAX_ELEMENTS"), file: path)
    }

    /// Reads ``ImportSettings`` from a JSON file.
    public static func readSettings(path: String) throws -> ImportSettings {
        let bytes = try DetectorStore.read(path, maximumBytes: InputLimits.current.maximumConfigBytes, setting: "VIGIL_MAX_CONFIG_BYTES")
        do { return try JSONDecoder().decode(ImportSettings.self, from: Data(bytes)) } catch {
            throw PersistenceError.malformed(file: path, problem: "not import settings (\(DetectorStore.describe(error)))")
        }
    }

    /// The detector of `kind` the tensors describe under the name map `names`.
    ///
    /// - Throws: ``PersistenceError`` naming `file` and the tensor (missing, unused, of the
    ///   wrong shape or not finite), or ``DetectorError`` for settings that do not fit.
    public static func detector(kind: Kind, tensors: [String: Tensor], names: WeightNames, settings: ImportSettings = ImportSettings(), file: String)
        throws -> any OutlierDetector
    {
        if let jitter = settings.jitter, !(jitter.isFinite && (0...1e-2).contains(jitter)) {
            throw DetectorError.invalidArgument(name: "jitter", expected: "a value in [0, 0.01]", actual: "\(jitter)")
        }
        var reader = ForeignTensors(tensors: tensors, names: names, file: file)
        let hidden = settings.activation ?? (kind == .vae || kind == .vaegmm ? .relu : .tanh)
        let detector: any OutlierDetector
        switch kind {
        case .ae, .aegmm, .dagmm:
            let encoder = try reader.sequential(.encoder, hidden: hidden, last: .linear)
            let decoder = try reader.sequential(.decoder, hidden: hidden, last: .linear)
            let width = try reader.inputWidth(of: encoder, .encoder)
            let code = try reader.chain(width, [(.encoder, encoder)])
            _ = try reader.chain(code, [(.decoder, decoder)], returnsTo: width)
            if kind == .ae {
                detector = try OutlierAE(network: .init(encoder: encoder, decoder: decoder), featureCount: width)
            } else {
                let density = try reader.sequential(.density, hidden: .tanh, last: .softmax)
                let components = try reader.chain(code + 2, [(.density, density)])
                var configuration = kind == .dagmm ? OutlierAEGMM.dagmmConfiguration : OutlierAEGMM.Configuration()
                configuration.features = settings.features ?? (names == .pytorchDAGMM ? .paper : .alibiAsReleased)
                if let jitter = settings.jitter { configuration.jitter = jitter }
                let aegmm = OutlierAEGMM(network: .init(encoder: encoder, decoder: decoder, density: density), featureCount: width, configuration: configuration)
                aegmm.mixture = try reader.mixture(components: components, dimension: code + 2, jitter: configuration.jitter)
                detector = aegmm
            }
        case .vae, .vaegmm:
            let encoder = try reader.sequential(.encoder, hidden: hidden, last: hidden)
            let mean = try reader.dense(.latentMean, activation: .linear)
            let logVariance = try reader.dense(.latentLogVariance, activation: .linear)
            let decoder = try reader.sequential(.decoder, hidden: hidden, last: .linear)
            let width = try reader.inputWidth(of: encoder, .encoder)
            let encoded = try reader.chain(width, [(.encoder, encoder)])
            let latent = try reader.chain(encoded, [(.latentMean, Sequential([mean]))])
            _ = try reader.chain(encoded, [(.latentLogVariance, Sequential([logVariance]))], returnsTo: latent)
            _ = try reader.chain(latent, [(.decoder, decoder)], returnsTo: width)
            let network = VariationalAutoencoder(encoder: encoder, mean: mean, logVariance: logVariance, decoder: decoder)
            if kind == .vae {
                var configuration = OutlierVAE.Configuration()
                if let samples = settings.samples { configuration.samples = samples }
                detector = try OutlierVAE(network: network, featureCount: width, configuration: configuration)
            } else {
                let density = try reader.sequential(.density, hidden: .tanh, last: .softmax)
                let components = try reader.chain(latent + 2, [(.density, density)])
                var configuration = OutlierVAEGMM.Configuration()
                configuration.features = settings.features ?? .alibiAsReleased
                if let samples = settings.samples { configuration.samples = samples }
                if let jitter = settings.jitter { configuration.jitter = jitter }
                let vaegmm = try OutlierVAEGMM(network: .init(autoencoder: network, density: density), featureCount: width, configuration: configuration)
                vaegmm.mixture = try reader.mixture(components: components, dimension: latent + 2, jitter: configuration.jitter)
                detector = vaegmm
            }
        }
        try reader.finish()
        try settings.apply(to: detector)
        return detector
    }
}

/// Whose names the tensors of an imported weights file carry.
public enum WeightNames: String, CaseIterable, Sendable {
    /// alibi-detect's networks (`encoder_net`, `decoder_net`, `gmm_density_net`, `fc_mean`,
    /// `fc_log_var`) and fitted mixture (`phi`, `mu`, `cov`).
    case alibi
    /// The public PyTorch DAGMM's `state_dict` (`encoder`, `decoder`, `estimation`; `phi`, `mu`, `cov`).
    case pytorchDAGMM = "pytorch-dagmm"
}

/// What an imported detector needs beyond its weights, all optional (`--config FILE`, JSON).
public struct ImportSettings: Codable, Sendable, Equatable {
    /// The encoder's and decoder's hidden activation (default: the alibi examples', `relu` for the VAE and VAEGMM, `tanh` otherwise;
    /// the mixture membership network is always `tanh` then `softmax`).
    public var activation: Activation?
    /// The mixture kinds' reconstruction features (default: `alibi-as-released` for alibi's
    /// weights, as alibi-detect 0.13 computes them; `paper` for the PyTorch DAGMM's).
    public var features: ReconstructionFeatureStyle?
    /// The standardiser the detector was trained behind (`mean`, `standardDeviation`), if any.
    public var standardizer: Standardizer?
    /// The threshold (alibi's `od.threshold`).
    public var threshold: Float?
    /// Added to the mixture covariances' diagonals (default: the kind's, 1e-6; DAGMM 1e-8).
    public var jitter: Float?
    /// Latent draws per instance of the variational kinds (default 10).
    public var samples: Int?

    public init() {}

    func apply(to detector: any OutlierDetector) throws {
        let width = detector.featureCount
        if let standardizer {
            guard standardizer.mean.count == width, standardizer.standardDeviation.count == width,
                (standardizer.mean + standardizer.standardDeviation).allSatisfy(\.isFinite), standardizer.standardDeviation.allSatisfy({ $0 > 0 })
            else {
                throw DetectorError.invalidArgument(
                    name: "standardizer", expected: "\(width) finite means and \(width) positive deviations",
                    actual: "\(standardizer.mean.count) means, \(standardizer.standardDeviation.count) deviations")
            }
            detector.standardizer = standardizer
        }
        if let threshold {
            guard threshold.isFinite else { throw DetectorError.invalidArgument(name: "threshold", expected: "a finite number", actual: "\(threshold)") }
            detector.threshold = Threshold(value: threshold, rule: .given)
        }
    }
}

/// The tensors of a foreign weights file, taken part by part under a name map.
private struct ForeignTensors {
    enum Part: String {
        case encoder, decoder, density, latentMean = "latent mean", latentLogVariance = "latent log-variance"
    }

    var tensors: [String: Tensor]
    let names: WeightNames
    let file: String

    /// The names of the dense layers of `part`, in order: (kernel, bias, kernel stored `[out, in]`).
    func layerNames(_ part: Part) throws -> [(kernel: String, bias: String, transposed: Bool)] {
        let prefix: String
        let separator: String
        switch (names, part) {
        case (.alibi, .encoder): (prefix, separator) = ("encoder_net", "/")
        case (.alibi, .decoder): (prefix, separator) = ("decoder_net", "/")
        case (.alibi, .density): (prefix, separator) = ("gmm_density_net", "/")
        case (.alibi, .latentMean): return [("fc_mean/kernel", "fc_mean/bias", false)]
        case (.alibi, .latentLogVariance): return [("fc_log_var/kernel", "fc_log_var/bias", false)]
        case (.pytorchDAGMM, .encoder): (prefix, separator) = ("encoder", ".")
        case (.pytorchDAGMM, .decoder): (prefix, separator) = ("decoder", ".")
        case (.pytorchDAGMM, .density): (prefix, separator) = ("estimation", ".")
        case (.pytorchDAGMM, .latentMean), (.pytorchDAGMM, .latentLogVariance):
            throw PersistenceError.malformed(file: file, problem: "the PyTorch DAGMM has no \(part.rawValue); import it as dagmm or aegmm")
        }
        let weight = names == .alibi ? "kernel" : "weight"
        // The indices present, in numeric order (PyTorch's skip the activations between layers).
        let indices = Set(tensors.keys.compactMap { key -> Int? in
            let parts = key.split(separator: Character(separator), omittingEmptySubsequences: false)
            guard parts.count == 3, parts[0] == prefix, parts[2] == weight else { return nil }
            return Int(parts[1])
        }).sorted()
        return indices.map { ("\(prefix)\(separator)\($0)\(separator)\(weight)", "\(prefix)\(separator)\($0)\(separator)bias", names == .pytorchDAGMM) }
    }

    mutating func take(_ name: String) throws -> Tensor {
        guard let tensor = tensors.removeValue(forKey: name) else { throw PersistenceError.missingTensor(file: file, tensor: name) }
        if let bad = tensor.scalars.firstIndex(where: { !$0.isFinite }) {
            throw PersistenceError.malformed(file: file, problem: "tensor \"\(name)\" holds \(tensor.scalars[bad]) at element \(bad); every weight must be finite")
        }
        return tensor
    }

    mutating func dense(_ name: (kernel: String, bias: String, transposed: Bool), activation: Activation) throws -> Dense {
        var kernel = try take(name.kernel)
        guard kernel.rank == 2, kernel.shape.allSatisfy({ (1...InputLimits.current.maximumLayerUnits).contains($0) }) else {
            throw PersistenceError.malformed(file: file, problem: "tensor \"\(name.kernel)\" has shape \(kernel.shape), expected a matrix")
        }
        if name.transposed { kernel = kernel.transposed }
        let bias = tensors[name.bias] == nil ? nil : try take(name.bias)
        if let bias, bias.shape != [kernel.shape[1]] {
            throw PersistenceError.shapeMismatch(file: file, tensor: name.bias, expected: [kernel.shape[1]], actual: bias.shape)
        }
        return Dense(kernel: kernel, bias: bias, activation: activation)
    }

    mutating func dense(_ part: Part, activation: Activation) throws -> Dense {
        try dense(try layerNames(part)[0], activation: activation)
    }

    /// The dense layers of `part`: `hidden` after each but the last, `last` after the last.
    mutating func sequential(_ part: Part, hidden: Activation, last: Activation) throws -> Sequential {
        let layers = try layerNames(part)
        guard !layers.isEmpty else { throw PersistenceError.missingTensor(file: file, tensor: try firstName(part)) }
        var built: [any Layer] = []
        for (index, name) in layers.enumerated() { built.append(try dense(name, activation: index == layers.count - 1 ? last : hidden)) }
        return Sequential(built)
    }

    private func firstName(_ part: Part) throws -> String {
        switch (names, part) {
        case (.alibi, .encoder): "encoder_net/0/kernel"
        case (.alibi, .decoder): "decoder_net/0/kernel"
        case (.alibi, .density): "gmm_density_net/0/kernel"
        case (.pytorchDAGMM, .encoder): "encoder.0.weight"
        case (.pytorchDAGMM, .decoder): "decoder.0.weight"
        case (.pytorchDAGMM, .density): "estimation.0.weight"
        default: try layerNames(part)[0].kernel
        }
    }

    func inputWidth(of network: Sequential, _ part: Part) throws -> Int {
        guard let first = network.layers.first as? Dense else { throw PersistenceError.malformed(file: file, problem: "no \(part.rawValue) layers") }
        return first.inputSize
    }

    /// The width after `parts` from `width`, each checked to take what it is given.
    func chain(_ width: Int, _ parts: [(Part, Sequential)], returnsTo expected: Int? = nil) throws -> Int {
        var current = width
        for (part, network) in parts {
            for layer in network.layers {
                guard let dense = layer as? Dense else { continue }
                guard dense.inputSize == current else {
                    throw PersistenceError.malformed(file: file, problem: "the \(part.rawValue) network takes \(dense.inputSize) values where \(current) arrive")
                }
                current = dense.outputSize
            }
        }
        if let expected, current != expected {
            throw PersistenceError.malformed(file: file, problem: "the \(parts.last!.0.rawValue) network gives \(current) values, expected \(expected)")
        }
        return current
    }

    /// The fitted mixture from `phi` `[K]`, `mu` `[K, D]` and `cov` `[K, D, D]`.
    mutating func mixture(components: Int, dimension: Int, jitter: Float) throws -> GaussianMixture.Parameters {
        let weights = try take("phi"), means = try take("mu"), covariances = try take("cov")
        for (name, tensor, shape) in [("phi", weights, [components]), ("mu", means, [components, dimension]), ("cov", covariances, [components, dimension, dimension])]
        where tensor.shape != shape {
            throw PersistenceError.shapeMismatch(file: file, tensor: name, expected: shape, actual: tensor.shape)
        }
        guard weights.scalars.allSatisfy({ $0 > 0 }) else {
            throw PersistenceError.malformed(file: file, problem: "tensor \"phi\" holds a weight ≤ 0; mixture weights must be positive")
        }
        let size = dimension * dimension
        let matrices = (0..<components).map { Variable(Tensor(shape: [dimension, dimension], scalars: Array(covariances.scalars[($0 * size)..<(($0 + 1) * size)]))) }
        do {
            return try GaussianMixture.Parameters(weights: Variable(weights), means: Variable(means), covariances: matrices, jitter: jitter)
        } catch {
            throw PersistenceError.malformed(file: file, problem: "tensor \"cov\" is not positive definite (\(error))")
        }
    }

    /// Every tensor must have been used.
    func finish() throws {
        if let unused = tensors.keys.sorted().first {
            throw PersistenceError.malformed(
                file: file, problem: "tensor \"\(unused)\" is not part of a \(names.rawValue) detector (\(tensors.count) unused); see the name map in vigil import --help")
        }
    }
}
