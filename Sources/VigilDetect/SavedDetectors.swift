import Foundation
import VigilNN
import VigilTensor

// How each detector kind maps to its saved folder and back.

extension GaussianMixture.Parameters {
    /// The mixture's constants as named tensors (`prefix.weights`, `.means`, `.covariance.k`).
    func savedTensors(prefix: String) -> [(name: String, tensor: Tensor)] {
        [("\(prefix).weights", weights.value), ("\(prefix).means", means.value)]
            + covariances.enumerated().map { ("\(prefix).covariance.\($0.offset)", $0.element.value) }
    }

    /// Rebuilds a mixture of `components` × `dimension` from saved tensors, refactorising
    /// the covariances (deterministic, so scores are bit-identical to the saved detector's).
    ///
    /// Checked: the weights are non-negative and sum to 1 (within 10⁻³), every covariance
    /// is symmetric (within 10⁻⁴ of its largest entry) with a positive diagonal and is
    /// positive definite, and `jitter` is in `[0, 0.01]`; each error names the tensor.
    static func load(_ loader: inout TensorLoader, prefix: String, components: Int, dimension: Int, jitter: Float, configFile: String) throws -> Self {
        guard jitter.isFinite, (0...1e-2).contains(jitter) else {
            throw PersistenceError.malformed(file: configFile, problem: "jitter \(jitter), expected a value in [0, 0.01]")
        }
        let weights = try loader.take("\(prefix).weights", shape: [components])
        if let bad = weights.scalars.firstIndex(where: { $0 < 0 }) {
            throw PersistenceError.malformed(file: loader.file, problem: "tensor \"\(prefix).weights\" holds \(weights.scalars[bad]) at element \(bad); mixture weights must be ≥ 0")
        }
        let total = weights.scalars.reduce(0, +)
        guard abs(total - 1) <= 1e-3 else {
            throw PersistenceError.malformed(file: loader.file, problem: "tensor \"\(prefix).weights\" sums to \(total); mixture weights must sum to 1")
        }
        let means = try loader.take("\(prefix).means", shape: [components, dimension])
        let covariances = try (0..<components).map { component in
            let name = "\(prefix).covariance.\(component)"
            let matrix = try loader.take(name, shape: [dimension, dimension])
            let scale = matrix.scalars.map(abs).max() ?? 0
            for i in 0..<dimension {
                guard matrix[i, i] > 0 else {
                    throw PersistenceError.malformed(file: loader.file, problem: "tensor \"\(name)\" has \(matrix[i, i]) at [\(i), \(i)]; a covariance's diagonal must be positive")
                }
                for j in 0..<i where abs(matrix[i, j] - matrix[j, i]) > 1e-4 * scale {
                    throw PersistenceError.malformed(file: loader.file, problem: "tensor \"\(name)\" is not symmetric ([\(i), \(j)] = \(matrix[i, j]), [\(j), \(i)] = \(matrix[j, i]))")
                }
            }
            return Variable(matrix)
        }
        do {
            return try Self(weights: Variable(weights), means: Variable(means), covariances: covariances, jitter: jitter)
        } catch {
            throw PersistenceError.malformed(file: loader.file, problem: "a covariance of \"\(prefix)\" is not positive definite even with 10⁶ × the jitter")
        }
    }
}

/// The architecture of each named network part.
func layerSpecs(_ parts: KeyValuePairs<String, any Layer>) throws -> [String: LayerSpec] {
    var specs: [String: LayerSpec] = [:]
    for (name, layer) in parts { specs[name] = try LayerSpec(describing: layer) }
    return specs
}

extension Module {
    /// Every parameter as a named tensor under `prefix`.
    func savedTensors(prefix: String) -> [(name: String, tensor: Tensor)] {
        namedParameters().map { ("\(prefix).\($0.name)", $0.parameter.value) }
    }
}

extension VariationalAutoencoder {
    func specs(prefix: String) throws -> [String: LayerSpec] {
        try layerSpecs(["\(prefix)encoder": encoder, "\(prefix)mean": mean, "\(prefix)logVariance": logVariance, "\(prefix)decoder": decoder])
    }

    static func build(_ networks: [String: LayerSpec], prefix: String, file: String) throws -> VariationalAutoencoder {
        try VariationalAutoencoder(
            encoder: SavedDetectorBuilder.part(networks, "\(prefix)encoder", file),
            mean: SavedDetectorBuilder.part(networks, "\(prefix)mean", file),
            logVariance: SavedDetectorBuilder.part(networks, "\(prefix)logVariance", file),
            decoder: SavedDetectorBuilder.part(networks, "\(prefix)decoder", file))
    }
}

extension OutlierVAE: PersistableDetector {
    func savedState() throws -> (configuration: SavedDetectorConfiguration, tensors: [(name: String, tensor: Tensor)]) {
        let configuration = SavedDetectorConfiguration(
            kind: Self.kind, featureCount: featureCount, networks: try network.specs(prefix: ""), vae: self.configuration,
            standardizer: standardizer, threshold: threshold)
        return (configuration, network.savedTensors(prefix: "network"))
    }
}

extension OutlierAEGMM: PersistableDetector {
    func savedState() throws -> (configuration: SavedDetectorConfiguration, tensors: [(name: String, tensor: Tensor)]) {
        guard let mixture else { throw PersistenceError.cannotWrite(file: Self.kind, reason: "the detector is not fitted") }
        let networks = try layerSpecs(["encoder": network.encoder, "decoder": network.decoder, "density": network.density])
        let configuration = SavedDetectorConfiguration(
            kind: Self.kind, featureCount: featureCount, networks: networks, aegmm: self.configuration,
            standardizer: standardizer, threshold: threshold)
        return (configuration, network.savedTensors(prefix: "network") + mixture.savedTensors(prefix: "mixture"))
    }
}

extension OutlierVAEGMM: PersistableDetector {
    func savedState() throws -> (configuration: SavedDetectorConfiguration, tensors: [(name: String, tensor: Tensor)]) {
        guard let mixture else { throw PersistenceError.cannotWrite(file: Self.kind, reason: "the detector is not fitted") }
        var networks = try network.autoencoder.specs(prefix: "")
        networks["density"] = try LayerSpec(describing: network.density)
        let configuration = SavedDetectorConfiguration(
            kind: Self.kind, featureCount: featureCount, networks: networks, vaegmm: self.configuration,
            standardizer: standardizer, threshold: threshold)
        return (configuration, network.savedTensors(prefix: "network") + mixture.savedTensors(prefix: "mixture"))
    }
}

extension PCADetector: PersistableDetector {
    func savedState() throws -> (configuration: SavedDetectorConfiguration, tensors: [(name: String, tensor: Tensor)]) {
        guard let mean, let components else { throw PersistenceError.cannotWrite(file: Self.kind, reason: "the detector is not fitted") }
        let configuration = SavedDetectorConfiguration(
            kind: Self.kind, featureCount: featureCount, networks: [:], pca: self.configuration,
            standardizer: standardizer, threshold: threshold)
        return (configuration, [("pca.mean", mean), ("pca.components", components)])
    }
}

extension OutlierAE: PersistableDetector {
    func savedState() throws -> (configuration: SavedDetectorConfiguration, tensors: [(name: String, tensor: Tensor)]) {
        let networks = try layerSpecs(["encoder": network.encoder, "decoder": network.decoder])
        let configuration = SavedDetectorConfiguration(
            kind: Self.kind, featureCount: featureCount, networks: networks, ae: self.configuration, standardizer: standardizer, threshold: threshold)
        return (configuration, network.savedTensors(prefix: "network"))
    }
}

extension BiGANDetector: PersistableDetector {
    func savedState() throws -> (configuration: SavedDetectorConfiguration, tensors: [(name: String, tensor: Tensor)]) {
        let networks = try layerSpecs([
            "encoder": network.encoder, "generator": network.generator, "discriminatorFeatures": network.discriminatorFeatures,
            "discriminatorOutput": network.discriminatorOutput,
        ])
        let configuration = SavedDetectorConfiguration(
            kind: Self.kind, featureCount: featureCount, networks: networks, bigan: self.configuration, standardizer: standardizer, threshold: threshold)
        return (configuration, network.savedTensors(prefix: "network"))
    }
}

extension Seq2SeqDetector: PersistableDetector {
    func savedState() throws -> (configuration: SavedDetectorConfiguration, tensors: [(name: String, tensor: Tensor)]) {
        let networks = try layerSpecs([
            "forwardEncoder": network.forwardEncoder, "backwardEncoder": network.backwardEncoder, "decoder": network.decoder, "output": network.output,
        ])
        let configuration = SavedDetectorConfiguration(
            kind: Self.kind, featureCount: featureCount, networks: networks, standardizer: standardizer, threshold: threshold)
        return (configuration, network.savedTensors(prefix: "network"))
    }
}

extension OneClassSVM: PersistableDetector {
    func savedState() throws -> (configuration: SavedDetectorConfiguration, tensors: [(name: String, tensor: Tensor)]) {
        guard let supportVectors, let coefficients else { throw PersistenceError.cannotWrite(file: Self.kind, reason: "the detector is not fitted") }
        let configuration = SavedDetectorConfiguration(
            kind: Self.kind, featureCount: featureCount, networks: [:], ocsvm: self.configuration, standardizer: standardizer, threshold: threshold)
        return (configuration, [("ocsvm.supportVectors", supportVectors), ("ocsvm.coefficients", coefficients), ("ocsvm.rho", Tensor(shape: [1], scalars: [rho]))])
    }
}

/// Rebuilds detectors from their saved configuration and tensors.
enum SavedDetectorBuilder {
    /// Every kind a saved folder may name.
    static let kinds = [
        OutlierVAE.kind, OutlierAEGMM.kind, OutlierVAEGMM.kind, PCADetector.kind, OutlierAE.kind, BiGANDetector.kind, Seq2SeqDetector.kind,
        OneClassSVM.kind,
    ]

    static func part<T>(_ networks: [String: LayerSpec], _ name: String, _ file: String) throws -> T {
        guard let spec = networks[name] else { throw PersistenceError.malformed(file: file, problem: "no architecture for network \"\(name)\"") }
        let layer: any Layer
        do { layer = try spec.build() } catch { throw PersistenceError.malformed(file: file, problem: "network \"\(name)\": \(error)") }
        guard let typed = layer as? T else {
            throw PersistenceError.malformed(file: file, problem: "network \"\(name)\" is a \(type(of: layer)), expected \(T.self)")
        }
        return typed
    }

    /// The width a row of `width` values has after passing through `parts` in order; a part
    /// that does not take the width it is given is an error naming it.
    static func width(_ width: Int, through parts: [(String, any Layer)], _ file: String) throws -> Int {
        var current = [1, width]
        for (name, layer) in parts {
            do { current = try layer.outputShape(forInputShape: current) } catch {
                throw PersistenceError.malformed(file: file, problem: "network \"\(name)\" does not fit the detector's shapes: \(error)")
            }
        }
        guard current.count == 2 else {
            throw PersistenceError.malformed(file: file, problem: "network \"\(parts.last?.0 ?? "")\" gives rows of shape \(current.dropFirst()), expected one vector per row")
        }
        return current[1]
    }

    /// Checks that a part ends at the width the detector needs.
    static func require(_ actual: Int, _ expected: Int, _ what: String, _ file: String) throws {
        guard actual == expected else {
            throw PersistenceError.malformed(file: file, problem: "\(what) has width \(actual), expected \(expected)")
        }
    }

    /// The encoder → heads → decoder widths of a saved VAE: returns the latent width.
    static func checkVAE(_ network: VariationalAutoencoder, featureCount: Int, _ file: String) throws -> Int {
        let hidden = try width(featureCount, through: [("encoder", network.encoder)], file)
        let latent = try width(hidden, through: [("mean", network.mean)], file)
        try require(try width(hidden, through: [("logVariance", network.logVariance)], file), latent, "network \"logVariance\"", file)
        try require(try width(latent, through: [("decoder", network.decoder)], file), featureCount, "the reconstruction (network \"decoder\")", file)
        return latent
    }

    static func build(_ configuration: SavedDetectorConfiguration, configFile: String, loader: inout TensorLoader) throws -> any OutlierDetector {
        let networks = configuration.networks
        guard (1...InputLimits.current.maximumLayerUnits).contains(configuration.featureCount) else {
            throw PersistenceError.malformed(
                file: configFile, problem: "featureCount \(configuration.featureCount), expected 1…\(InputLimits.current.maximumLayerUnits)")
        }
        // Every weight the networks declare must be in the weights file, so a network is
        // never allocated larger than the file that fills it.
        var declared = 0
        for (name, spec) in networks.sorted(by: { $0.key < $1.key }) {
            do { declared += try spec.parameterCount() } catch {
                throw PersistenceError.malformed(file: configFile, problem: "network \"\(name)\": \(error)")
            }
            guard declared <= loader.elementCount else {
                throw PersistenceError.malformed(
                    file: configFile, problem: "the networks declare more weights than the \(loader.elementCount) in \(loader.file) (network \"\(name)\")")
            }
        }
        switch configuration.kind {
        case OutlierVAE.kind:
            guard let settings = configuration.vae else { throw PersistenceError.malformed(file: configFile, problem: "missing \"vae\" settings") }
            let network = try VariationalAutoencoder.build(networks, prefix: "", file: configFile)
            _ = try checkVAE(network, featureCount: configuration.featureCount, configFile)
            try loader.fill(network, prefix: "network")
            return try OutlierVAE(network: network, featureCount: configuration.featureCount, configuration: settings)
        case OutlierAEGMM.kind:
            guard let settings = configuration.aegmm else { throw PersistenceError.malformed(file: configFile, problem: "missing \"aegmm\" settings") }
            let network = OutlierAEGMM.Network(
                encoder: try part(networks, "encoder", configFile), decoder: try part(networks, "decoder", configFile),
                density: try part(networks, "density", configFile))
            let code = try width(configuration.featureCount, through: [("encoder", network.encoder)], configFile)
            try require(try width(code, through: [("decoder", network.decoder)], configFile), configuration.featureCount, "the reconstruction (network \"decoder\")", configFile)
            let (components, dimension) = (try width(code + 2, through: [("density", network.density)], configFile), code + 2)
            try loader.fill(network, prefix: "network")
            let detector = OutlierAEGMM(network: network, featureCount: configuration.featureCount, configuration: settings)
            detector.mixture = try .load(&loader, prefix: "mixture", components: components, dimension: dimension, jitter: settings.jitter, configFile: configFile)
            return detector
        case OutlierVAEGMM.kind:
            guard let settings = configuration.vaegmm else { throw PersistenceError.malformed(file: configFile, problem: "missing \"vaegmm\" settings") }
            let network = OutlierVAEGMM.Network(
                autoencoder: try VariationalAutoencoder.build(networks, prefix: "", file: configFile),
                density: try part(networks, "density", configFile))
            let latent = try checkVAE(network.autoencoder, featureCount: configuration.featureCount, configFile)
            let (components, dimension) = (try width(latent + 2, through: [("density", network.density)], configFile), latent + 2)
            try loader.fill(network, prefix: "network")
            let detector = try OutlierVAEGMM(network: network, featureCount: configuration.featureCount, configuration: settings)
            detector.mixture = try .load(&loader, prefix: "mixture", components: components, dimension: dimension, jitter: settings.jitter, configFile: configFile)
            return detector
        case PCADetector.kind:
            guard let settings = configuration.pca else { throw PersistenceError.malformed(file: configFile, problem: "missing \"pca\" settings") }
            let d = configuration.featureCount
            let mean = try loader.take("pca.mean", shape: [d])
            guard let stored = loader.tensors["pca.components"], stored.rank == 2, (1...d).contains(stored.shape[0]) else {
                throw PersistenceError.malformed(file: loader.file, problem: "tensor \"pca.components\" must be [k ≤ \(d), \(d)]")
            }
            let components = try loader.take("pca.components", shape: [stored.shape[0], d])
            return PCADetector(featureCount: d, configuration: settings, mean: mean, components: components)
        case OutlierAE.kind:
            guard let settings = configuration.ae else { throw PersistenceError.malformed(file: configFile, problem: "missing \"ae\" settings") }
            let network = OutlierAE.Network(encoder: try part(networks, "encoder", configFile), decoder: try part(networks, "decoder", configFile))
            let code = try width(configuration.featureCount, through: [("encoder", network.encoder)], configFile)
            try require(try width(code, through: [("decoder", network.decoder)], configFile), configuration.featureCount, "the reconstruction (network \"decoder\")", configFile)
            try loader.fill(network, prefix: "network")
            return try OutlierAE(network: network, featureCount: configuration.featureCount, configuration: settings)
        case BiGANDetector.kind:
            guard let settings = configuration.bigan else { throw PersistenceError.malformed(file: configFile, problem: "missing \"bigan\" settings") }
            let network = BiGANDetector.Network(
                encoder: try part(networks, "encoder", configFile), generator: try part(networks, "generator", configFile),
                discriminatorFeatures: try part(networks, "discriminatorFeatures", configFile),
                discriminatorOutput: try part(networks, "discriminatorOutput", configFile))
            let d = configuration.featureCount
            let latent = try width(d, through: [("encoder", network.encoder)], configFile)
            try require(try width(latent, through: [("generator", network.generator)], configFile), d, "the generator's output (network \"generator\")", configFile)
            let hidden = try width(d + latent, through: [("discriminatorFeatures", network.discriminatorFeatures)], configFile)
            try require(try width(hidden, through: [("discriminatorOutput", network.discriminatorOutput)], configFile), 1, "the discriminator's logit", configFile)
            try loader.fill(network, prefix: "network")
            return try BiGANDetector(network: network, featureCount: configuration.featureCount, configuration: settings)
        case Seq2SeqDetector.kind:
            let network = Seq2SeqDetector.Network(
                forwardEncoder: try part(networks, "forwardEncoder", configFile), backwardEncoder: try part(networks, "backwardEncoder", configFile),
                decoder: try part(networks, "decoder", configFile), output: try part(networks, "output", configFile))
            try loader.fill(network, prefix: "network")
            do {
                return try Seq2SeqDetector(network: network, featureCount: configuration.featureCount)
            } catch {
                throw PersistenceError.malformed(file: configFile, problem: "\(error)")
            }
        case OneClassSVM.kind:
            guard let settings = configuration.ocsvm else { throw PersistenceError.malformed(file: configFile, problem: "missing \"ocsvm\" settings") }
            let d = configuration.featureCount
            guard let stored = loader.tensors["ocsvm.coefficients"], stored.rank == 1, stored.count > 0 else {
                throw PersistenceError.malformed(file: loader.file, problem: "tensor \"ocsvm.coefficients\" must be [m ≥ 1]")
            }
            let m = stored.shape[0]
            let supportVectors = try loader.take("ocsvm.supportVectors", shape: [m, d])
            let coefficients = try loader.take("ocsvm.coefficients", shape: [m])
            let rho = try loader.take("ocsvm.rho", shape: [1])
            if let bad = coefficients.scalars.firstIndex(where: { $0 < 0 }) {
                throw PersistenceError.malformed(file: loader.file, problem: "tensor \"ocsvm.coefficients\" holds \(coefficients.scalars[bad]) at element \(bad); dual coefficients must be ≥ 0")
            }
            do {
                return try OneClassSVM(featureCount: d, configuration: settings, supportVectors: supportVectors, coefficients: coefficients, rho: rho.scalars[0])
            } catch {
                throw PersistenceError.malformed(file: configFile, problem: "\(error)")
            }
        default:
            throw PersistenceError.unknownKind(file: configFile, kind: configuration.kind)
        }
    }
}
