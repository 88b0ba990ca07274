import VigilData
import VigilNN
import VigilTensor

/// alibi-detect's `OutlierVAE`: a variational autoencoder trained on normal data with the
/// ELBO; an instance's score is its reconstruction error.
///
/// - Training loss: ``Loss/gaussianNegativeLogLikelihood(_:_:covariance:)`` (alibi's
///   `elbo` with `cov_elbo`, default `sim` 0.05) + `β`·``Loss/gaussianKL(mean:logVariance:)``.
/// - Score (`mse`): every instance repeated `samples` times, reconstructed with fresh
///   latent noise; feature score = mean over samples of `(x − x̂)²`; instance score = mean
///   of the top ⌈`outlierPercentage`/100 · features⌉ feature scores.
/// - Deviation: alibi's trainer draws batches from a 1,024-row shuffle buffer; Vigil
///   shuffles the whole training set every epoch.
public final class OutlierVAE: OutlierDetector {
    public static let kind = "OutlierVAE"

    /// Hyper-parameters, with alibi-detect's defaults.
    public struct Configuration: Codable, Sendable, Equatable {
        public var samples = 10
        public var beta: Float = 1
        public var covariance = LikelihoodCovariance.similarity(0.05)
        /// The share of the highest feature scores averaged into the instance score (100 = all).
        public var outlierPercentage: Double = 100
        public var seed: UInt64 = 0
        public init(samples: Int = 10, beta: Float = 1, covariance: LikelihoodCovariance = .similarity(0.05), outlierPercentage: Double = 100, seed: UInt64 = 0) {
            self.samples = samples
            self.beta = beta
            self.covariance = covariance
            self.outlierPercentage = outlierPercentage
            self.seed = seed
        }
    }

    public let network: VariationalAutoencoder
    public var configuration: Configuration
    public let featureCount: Int
    public var standardizer: Standardizer?
    public var threshold: Threshold?

    public init(network: VariationalAutoencoder, featureCount: Int, configuration: Configuration = Configuration()) throws {
        guard configuration.samples >= 1, (0...100).contains(configuration.outlierPercentage), configuration.outlierPercentage > 0 else {
            throw DetectorError.invalidArgument(
                name: "OutlierVAE configuration", expected: "samples ≥ 1 and outlier percentage in (0, 100]",
                actual: "samples \(configuration.samples), outlier percentage \(configuration.outlierPercentage)")
        }
        self.network = network
        self.featureCount = featureCount
        self.configuration = configuration
    }

    public func fit(_ data: Tensor, options: FitOptions) throws -> TrainingHistory {
        let input = try prepareTraining(data, options: options)
        var noise = SeededRandom(seed: options.seed &+ 0x5EED)
        let trainer = Trainer(epochs: options.epochs, batchSize: options.batchSize, seed: options.seed, progress: options.progress)
        let (covariance, beta) = (configuration.covariance, configuration.beta)
        return try trainer.fit(network, optimizer: try Adam(learningRate: options.learningRate), inputs: input) { batch in
            let x = Variable(batch.inputs)
            let pass = network(x, noise: &noise)
            let reconstructionLoss = try Loss.gaussianNegativeLogLikelihood(x, pass.reconstruction, covariance: covariance)
            return reconstructionLoss + Loss.gaussianKL(mean: pass.mean, logVariance: pass.logVariance) * beta
        }
    }

    public func scoreModelInput(_ data: Tensor) throws -> OutlierScores {
        let (rows, samples, features) = (data.shape[0], configuration.samples, featureCount)
        var noise = SeededRandom(seed: configuration.seed &+ 0x5C0E)
        let repeated = repeatRows(data, samples)
        let reconstruction = GradientTape.withoutRecording { network(Variable(repeated), noise: &noise).reconstruction.value }
        let squared = (repeated - reconstruction).pow(2)
        let featureScores = Tensor(shape: [rows, samples, features], scalars: squared.scalars).sum(alongAxis: 1) * (1 / Float(samples))
        return OutlierScores(instance: instanceScores(featureScores, percentage: configuration.outlierPercentage), feature: featureScores)
    }
}

/// The mean of the top ⌈p/100 · d⌉ feature scores of each row (p = 100: the plain mean).
func instanceScores(_ featureScores: Tensor, percentage: Double) -> [Float] {
    let (rows, features) = (featureScores.shape[0], featureScores.shape[1])
    let kept = max(1, Int((percentage / 100 * Double(features)).rounded(.up)))
    return (0..<rows).map { row in
        let values = featureScores.scalars[(row * features)..<((row + 1) * features)]
        let top = kept == features ? Array(values) : Array(values.sorted(by: >).prefix(kept))
        return top.reduce(0, +) / Float(kept)
    }
}
