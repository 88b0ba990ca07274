import VigilData
import VigilNN
import VigilTensor

/// alibi-detect's `OutlierVAEGMM`: ``OutlierAEGMM`` with a variational encoder. The code
/// fed to the mixture is the sampled `z`; the loss is
/// `w_r·ELBO + wₑ·mean E + w_c·Σ 1/diag Σ_k + β·KL` (defaults w_r 1e-7, wₑ 0.1, w_c 0.005,
/// `sim` 0.05); the score is the energy averaged over `samples` draws per instance.
public final class OutlierVAEGMM: OutlierDetector {
    public static let kind = "OutlierVAEGMM"

    public struct Configuration: Codable, Sendable, Equatable {
        public var reconstructionWeight: Float = 1e-7
        public var energyWeight: Float = 0.1
        public var covarianceWeight: Float = 0.005
        public var covariance = LikelihoodCovariance.similarity(0.05)
        public var beta: Float = 1
        public var samples = 10
        public var jitter: Float = 1e-6
        public var seed: UInt64 = 0
        /// alibi-detect's reconstruction features (documented or as released) or the DAGMM paper's.
        public var features = ReconstructionFeatureStyle.alibi
        public init(
            reconstructionWeight: Float = 1e-7, energyWeight: Float = 0.1, covarianceWeight: Float = 0.005,
            covariance: LikelihoodCovariance = .similarity(0.05), beta: Float = 1, samples: Int = 10, jitter: Float = 1e-6, seed: UInt64 = 0,
            features: ReconstructionFeatureStyle = .alibi
        ) {
            self.features = features
            self.reconstructionWeight = reconstructionWeight
            self.energyWeight = energyWeight
            self.covarianceWeight = covarianceWeight
            self.covariance = covariance
            self.beta = beta
            self.samples = samples
            self.jitter = jitter
            self.seed = seed
        }

        enum CodingKeys: String, CodingKey {
            case reconstructionWeight, energyWeight, covarianceWeight, covariance, beta, samples, jitter, seed, features
        }

        /// Decodes a saved configuration; `features`, added after the first version-1
        /// detectors, defaults to `alibi` when absent.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            reconstructionWeight = try container.decode(Float.self, forKey: .reconstructionWeight)
            energyWeight = try container.decode(Float.self, forKey: .energyWeight)
            covarianceWeight = try container.decode(Float.self, forKey: .covarianceWeight)
            covariance = try container.decode(LikelihoodCovariance.self, forKey: .covariance)
            beta = try container.decode(Float.self, forKey: .beta)
            samples = try container.decode(Int.self, forKey: .samples)
            jitter = try container.decode(Float.self, forKey: .jitter)
            seed = try container.decode(UInt64.self, forKey: .seed)
            features = try container.decodeIfPresent(ReconstructionFeatureStyle.self, forKey: .features) ?? .alibi
        }
    }

    public final class Network: Module {
        public let autoencoder: VariationalAutoencoder
        public let density: Sequential
        public init(autoencoder: VariationalAutoencoder, density: Sequential) {
            self.autoencoder = autoencoder
            self.density = density
        }

        /// The style of the reconstruction features in `z`.
        public var features = ReconstructionFeatureStyle.alibi

        func forward(_ x: Variable, noise: inout SeededRandom) -> (reconstruction: Variable, z: Variable, gamma: Variable, mean: Variable, logVariance: Variable) {
            joined(x, autoencoder(x, noise: &noise))
        }

        func forward(_ x: Variable, epsilon: Tensor) -> (reconstruction: Variable, z: Variable, gamma: Variable, mean: Variable, logVariance: Variable) {
            joined(x, autoencoder(x, epsilon: epsilon))
        }

        private func joined(_ x: Variable, _ pass: (reconstruction: Variable, z: Variable, mean: Variable, logVariance: Variable))
            -> (reconstruction: Variable, z: Variable, gamma: Variable, mean: Variable, logVariance: Variable)
        {
            let z = Variable.concatenate([pass.z, reconstructionFeatures(x, pass.reconstruction, style: features)], alongAxis: 1)
            return (pass.reconstruction, z, density(z), pass.mean, pass.logVariance)
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
    public var mixture: GaussianMixture.Parameters?
    /// How scoring draws the latent code (not saved: a choice of the caller).
    public var latentScoring = LatentScoring.sampled

    public init(network: Network, featureCount: Int, configuration: Configuration = Configuration()) throws {
        guard (1...maximumScoringSamples).contains(configuration.samples) else {
            throw DetectorError.invalidArgument(name: "samples", expected: "1…\(maximumScoringSamples)", actual: "\(configuration.samples)")
        }
        guard configuration.jitter.isFinite, (0...1e-2).contains(configuration.jitter) else {
            throw DetectorError.invalidArgument(name: "jitter", expected: "a value in [0, 0.01]", actual: "\(configuration.jitter)")
        }
        try validateCovariance(configuration.covariance, featureCount: featureCount)
        network.features = configuration.features
        self.network = network
        self.featureCount = featureCount
        self.configuration = configuration
    }

    public func fit(_ data: Tensor, options: FitOptions) throws -> TrainingHistory { try fit(rows: data, options: options) }

    /// Trains on `rows`, in memory or streamed from disk (``RowSourceTraining``); on a tensor, exactly ``fit(_:options:)``.
    public func fit<Rows: RowSource>(rows: Rows, options: FitOptions) throws -> TrainingHistory {
        let input = try prepareTraining(rows: rows, options: options)
        configuration.covariance = try configuration.covariance.resolved(with: input, detector: Self.kind)
        var noise = SeededRandom(seed: options.seed &+ 0x5EED)
        let configuration = configuration
        let history = try train(network, rows: input, options: options) { x in
            let pass = network.forward(x, noise: &noise)
            let mixture = try GaussianMixture.estimate(z: pass.z, gamma: pass.gamma, jitter: configuration.jitter)
            let elbo = try Loss.gaussianNegativeLogLikelihood(x, pass.reconstruction, covariance: configuration.covariance)
            return elbo * configuration.reconstructionWeight
                + GaussianMixture.energy(pass.z, mixture).mean() * configuration.energyWeight
                + GaussianMixture.covariancePenalty(mixture) * configuration.covarianceWeight
                + Loss.gaussianKL(mean: pass.mean, logVariance: pass.logVariance) * configuration.beta
        }
        var mixtureNoise = SeededRandom(seed: options.seed &+ 0x6A11)
        mixture = try fitMixture(over: input, jitter: configuration.jitter) { chunk in
            let pass = network.forward(Variable(chunk), noise: &mixtureNoise)
            return (pass.z.value, pass.gamma.value)
        }
        return history
    }

    public func scoreModelInput(_ data: Tensor) throws -> OutlierScores {
        guard let mixture else { throw DetectorError.invalidArgument(name: "OutlierVAEGMM", expected: "a fitted detector", actual: "no mixture; call fit") }
        let samples = latentScoring.draws(configuration.samples)
        return inSampleBatches(data, samples: samples) { data in
            let rows = data.shape[0]
            let energy = GradientTape.withoutRecording { GaussianMixture.energy(Variable(scoringLatent(data)), mixture).value }
            let mean = Tensor(shape: [rows, samples], scalars: energy.scalars).sum(alongAxis: 1) * (1 / Float(samples))
            return OutlierScores(instance: mean.scalars, feature: nil)
        }
    }
}

extension OutlierVAEGMM: MixtureScoring {
    func stageOfNonFiniteScore(modelInput row: Tensor) -> ScoringStage {
        scoringLatent(row).scalars.allSatisfy(\.isFinite) ? .mixture : .network
    }

    /// The mixture's input for scoring: `samples` draws of `z` per row (`[rows · samples, latent + 2]`;
    /// one with `z = μ` under ``LatentScoring/mean``).
    func scoringLatent(_ data: Tensor) -> Tensor {
        let samples = latentScoring.draws(configuration.samples)
        let epsilon = latentScoring.noise(data, samples: samples, width: network.autoencoder.latentDimension, seed: configuration.seed &+ 0x5C0E)
        return GradientTape.withoutRecording { network.forward(Variable(repeatRows(data, samples)), epsilon: epsilon).z.value }
    }
}

extension OutlierVAEGMM: RowSourceTraining {}

extension OutlierVAEGMM: RegisteredDetector {
    public static let settingsKey: String? = "vaegmm"
    public var settings: Configuration { configuration }
    public var trainedNetwork: (any Module)? { network }

    public func stateTensors() throws -> [(name: String, tensor: Tensor)] { try savedMixture(mixture, kind: Self.kind) }

    public static func restore(from saved: inout SavedParts, settings: Configuration) throws -> OutlierVAEGMM {
        let (autoencoder, latent) = try VariationalAutoencoder.restore(from: saved)
        let network = Network(autoencoder: autoencoder, density: try saved.layer("density"))
        let components = try saved.width(latent + 2, through: [("density", network.density)])
        try saved.fill(network)
        let detector = try OutlierVAEGMM(network: network, featureCount: saved.featureCount, configuration: settings)
        detector.mixture = try saved.mixture(components: components, dimension: latent + 2, jitter: settings.jitter)
        return detector
    }
}
