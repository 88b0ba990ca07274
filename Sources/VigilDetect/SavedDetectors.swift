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
    static func load(_ loader: inout TensorLoader, prefix: String, components: Int, dimension: Int, jitter: Float) throws -> Self {
        let weights = try loader.take("\(prefix).weights", shape: [components])
        let means = try loader.take("\(prefix).means", shape: [components, dimension])
        let covariances = try (0..<components).map {
            Variable(try loader.take("\(prefix).covariance.\($0)", shape: [dimension, dimension]))
        }
        do {
            return try Self(weights: Variable(weights), means: Variable(means), covariances: covariances, jitter: jitter)
        } catch {
            throw PersistenceError.malformed(file: loader.file, problem: "a mixture covariance is not positive definite")
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

    static func build(_ configuration: SavedDetectorConfiguration, configFile: String, loader: inout TensorLoader) throws -> any OutlierDetector {
        let networks = configuration.networks
        guard configuration.featureCount > 0 else {
            throw PersistenceError.malformed(file: configFile, problem: "featureCount \(configuration.featureCount)")
        }
        switch configuration.kind {
        case OutlierVAE.kind:
            guard let settings = configuration.vae else { throw PersistenceError.malformed(file: configFile, problem: "missing \"vae\" settings") }
            let network = try VariationalAutoencoder.build(networks, prefix: "", file: configFile)
            try loader.fill(network, prefix: "network")
            return try OutlierVAE(network: network, featureCount: configuration.featureCount, configuration: settings)
        case OutlierAEGMM.kind:
            guard let settings = configuration.aegmm else { throw PersistenceError.malformed(file: configFile, problem: "missing \"aegmm\" settings") }
            let network = OutlierAEGMM.Network(
                encoder: try part(networks, "encoder", configFile), decoder: try part(networks, "decoder", configFile),
                density: try part(networks, "density", configFile))
            try loader.fill(network, prefix: "network")
            let detector = OutlierAEGMM(network: network, featureCount: configuration.featureCount, configuration: settings)
            let (components, dimension) = try mixtureShape(network.density, configFile)
            detector.mixture = try .load(&loader, prefix: "mixture", components: components, dimension: dimension, jitter: settings.jitter)
            return detector
        case OutlierVAEGMM.kind:
            guard let settings = configuration.vaegmm else { throw PersistenceError.malformed(file: configFile, problem: "missing \"vaegmm\" settings") }
            let network = OutlierVAEGMM.Network(
                autoencoder: try VariationalAutoencoder.build(networks, prefix: "", file: configFile),
                density: try part(networks, "density", configFile))
            try loader.fill(network, prefix: "network")
            let detector = try OutlierVAEGMM(network: network, featureCount: configuration.featureCount, configuration: settings)
            let (components, dimension) = try mixtureShape(network.density, configFile)
            detector.mixture = try .load(&loader, prefix: "mixture", components: components, dimension: dimension, jitter: settings.jitter)
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
            try loader.fill(network, prefix: "network")
            return try OutlierAE(network: network, featureCount: configuration.featureCount, configuration: settings)
        case BiGANDetector.kind:
            guard let settings = configuration.bigan else { throw PersistenceError.malformed(file: configFile, problem: "missing \"bigan\" settings") }
            let network = BiGANDetector.Network(
                encoder: try part(networks, "encoder", configFile), generator: try part(networks, "generator", configFile),
                discriminatorFeatures: try part(networks, "discriminatorFeatures", configFile),
                discriminatorOutput: try part(networks, "discriminatorOutput", configFile))
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
            return OneClassSVM(featureCount: d, configuration: settings, supportVectors: supportVectors, coefficients: coefficients, rho: rho.scalars[0])
        default:
            throw PersistenceError.unknownKind(file: configFile, kind: configuration.kind)
        }
    }

    /// Components and dimension of the mixture fed by a density network (its output and input widths).
    static func mixtureShape(_ density: Sequential, _ file: String) throws -> (Int, Int) {
        guard let first = density.layers.first as? Dense, let last = density.layers.last as? Dense else {
            throw PersistenceError.malformed(file: file, problem: "the density network must start and end with dense layers")
        }
        return (last.outputSize, first.inputSize)
    }
}
