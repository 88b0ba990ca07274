import VigilData
import VigilNN
import VigilTensor

/// alibi-detect's `OutlierAEGMM` (DAGMM, Zong et al. 2018): an autoencoder whose code,
/// with two reconstruction features, feeds a Gaussian mixture; the score is the sample energy.
///
/// - Forward: `enc = encoder(x)`, `x̂ = decoder(enc)`, `z = [enc, reconstructionFeatures(x, x̂)]`,
///   `γ = density(z)` (softmax over the mixture components).
/// - Loss: `mean((x − x̂)²) + wₑ·mean E(z) + w_c·Σ 1/diag Σ_k` with the mixture estimated on the batch.
/// - After training the mixture parameters are recomputed over the whole training set by
///   streaming sums (``GaussianMixtureAccumulator``) and stored; the score is `E(z)` with them.
public final class OutlierAEGMM: OutlierDetector {
    public static let kind = "OutlierAEGMM"

    public struct Configuration: Codable, Sendable, Equatable {
        public var energyWeight: Float = 0.1
        public var covarianceWeight: Float = 0.005
        /// Added to the covariance diagonals before their Cholesky factorisation.
        public var jitter: Float = 1e-6
        /// alibi-detect's reconstruction features or the DAGMM paper's.
        public var features = ReconstructionFeatureStyle.alibi

        public init(energyWeight: Float = 0.1, covarianceWeight: Float = 0.005, jitter: Float = 1e-6, features: ReconstructionFeatureStyle = .alibi) {
            self.energyWeight = energyWeight
            self.covarianceWeight = covarianceWeight
            self.jitter = jitter
            self.features = features
        }

        enum CodingKeys: String, CodingKey { case energyWeight, covarianceWeight, jitter, features }

        /// Decodes a saved configuration; `features`, added after the first version-1
        /// detectors, defaults to `alibi` when absent.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            energyWeight = try container.decode(Float.self, forKey: .energyWeight)
            covarianceWeight = try container.decode(Float.self, forKey: .covarianceWeight)
            jitter = try container.decode(Float.self, forKey: .jitter)
            features = try container.decodeIfPresent(ReconstructionFeatureStyle.self, forKey: .features) ?? .alibi
        }
    }

    /// The trainable parts.
    public final class Network: Module {
        public let encoder: Sequential
        public let decoder: Sequential
        public let density: Sequential
        /// The style of the reconstruction features in `z`.
        public var features = ReconstructionFeatureStyle.alibi

        public init(encoder: Sequential, decoder: Sequential, density: Sequential) {
            self.encoder = encoder
            self.decoder = decoder
            self.density = density
        }

        func forward(_ x: Variable) -> (reconstruction: Variable, z: Variable, gamma: Variable) {
            let code = encoder(x)
            let reconstruction = decoder(code)
            let z = Variable.concatenate([code, reconstructionFeatures(x, reconstruction, style: features)], alongAxis: 1)
            return (reconstruction, z, density(z))
        }
    }

    public let network: Network
    public var configuration: Configuration {
        didSet { network.features = configuration.features }
    }
    public let featureCount: Int
    public var standardizer: Standardizer?
    public var threshold: Threshold?
    public var training: TrainingRecord?
    /// The mixture fitted on the training set (set by ``fit(_:options:)`` or a loader).
    public var mixture: GaussianMixture.Parameters?

    public init(network: Network, featureCount: Int, configuration: Configuration = Configuration()) {
        network.features = configuration.features
        self.network = network
        self.featureCount = featureCount
        self.configuration = configuration
    }

    public func fit(_ data: Tensor, options: FitOptions) throws -> TrainingHistory { try fit(rows: data, options: options) }

    /// Trains on `rows`, in memory or streamed from disk (``RowSourceTraining``); on a tensor, exactly ``fit(_:options:)``.
    public func fit<Rows: RowSource>(rows: Rows, options: FitOptions) throws -> TrainingHistory {
        let input = try prepareTraining(rows: rows, options: options)
        let configuration = configuration
        let history = try train(network, rows: input, options: options) { x in
            let (reconstruction, z, gamma) = network.forward(x)
            let mixture = try GaussianMixture.estimate(z: z, gamma: gamma, jitter: configuration.jitter)
            return Loss.meanSquaredError(reconstruction, x)
                + GaussianMixture.energy(z, mixture).mean() * configuration.energyWeight
                + GaussianMixture.covariancePenalty(mixture) * configuration.covarianceWeight
        }
        try fitMixture(modelInput: input)
        return history
    }

    /// Fits the mixture alone on model input (standardised data when the detector
    /// standardises), with the networks as they are — the DAGMM protocol's "untrained" baseline.
    public func fitMixture(modelInput input: some RowSource) throws {
        mixture = try VigilDetect.fitMixture(over: input, jitter: configuration.jitter) { chunk in
            let (_, z, gamma) = network.forward(Variable(chunk))
            return (z.value, gamma.value)
        }
    }

    public func scoreModelInput(_ data: Tensor) throws -> OutlierScores {
        guard let mixture else { throw DetectorError.invalidArgument(name: "OutlierAEGMM", expected: "a fitted detector", actual: "no mixture; call fit") }
        let energy = GradientTape.withoutRecording { GaussianMixture.energy(network.forward(Variable(data)).z, mixture).value }
        return OutlierScores(instance: energy.scalars, feature: nil)
    }
}

extension OutlierAEGMM: MixtureScoring {
    func stageOfNonFiniteScore(modelInput row: Tensor) -> ScoringStage {
        let z = GradientTape.withoutRecording { network.forward(Variable(row)).z.value }
        return z.scalars.allSatisfy(\.isFinite) ? .mixture : .network
    }
}

/// The mixture over all rows of `input`, from γ-weighted sums accumulated chunk by chunk in
/// row order (`forward` maps a chunk to its latent vectors and memberships), so the whole
/// training set never passes through the network at once — nor, from a file-backed source,
/// into memory.
func fitMixture(
    over input: some RowSource, jitter: Float, chunkSize: Int = 16_384, _ forward: (Tensor) -> (z: Tensor, gamma: Tensor)
) throws -> GaussianMixture.Parameters {
    var accumulator: GaussianMixtureAccumulator?
    try input.forEachChunk(of: chunkSize) { _, chunk in
        let (z, gamma) = GradientTape.withoutRecording { forward(chunk) }
        if accumulator == nil { accumulator = GaussianMixtureAccumulator(components: gamma.shape[1], dimension: z.shape[1]) }
        accumulator!.add(z: z, gamma: gamma)
    }
    guard let accumulator else {
        throw DetectorError.invalidArgument(name: "mixture training rows", expected: "at least one row", actual: "none")
    }
    return try accumulator.parameters(jitter: jitter)
}

extension OutlierAEGMM: RowSourceTraining {}

extension OutlierAEGMM: RegisteredDetector {
    public static let settingsKey: String? = "aegmm"
    public var settings: Configuration { configuration }
    public var trainedNetwork: (any Module)? { network }

    public func stateTensors() throws -> [(name: String, tensor: Tensor)] { try savedMixture(mixture, kind: Self.kind) }

    public static func restore(from saved: inout SavedParts, settings: Configuration) throws -> OutlierAEGMM {
        let network = Network(encoder: try saved.layer("encoder"), decoder: try saved.layer("decoder"), density: try saved.layer("density"))
        let code = try saved.width(saved.featureCount, through: [("encoder", network.encoder)])
        try saved.require(try saved.width(code, through: [("decoder", network.decoder)]), saved.featureCount, "the reconstruction (network \"decoder\")")
        let components = try saved.width(code + 2, through: [("density", network.density)])
        try saved.fill(network)
        let detector = OutlierAEGMM(network: network, featureCount: saved.featureCount, configuration: settings)
        detector.mixture = try saved.mixture(components: components, dimension: code + 2, jitter: settings.jitter)
        return detector
    }
}
