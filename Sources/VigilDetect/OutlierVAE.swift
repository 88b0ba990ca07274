import Foundation
import VigilData
import VigilNN
import VigilTensor

/// alibi-detect's `OutlierVAE`: a variational autoencoder trained on normal data with the
/// ELBO; an instance's score is its reconstruction error.
///
/// - Training loss: ``Loss/gaussianNegativeLogLikelihood(_:_:covariance:)`` (alibi's
///   `elbo` with `cov_elbo`, default `sim` 0.05) + `β`·``Loss/gaussianKL(mean:logVariance:)``.
/// - Score (`mse`): every instance repeated `samples` times, reconstructed with latent
///   noise keyed by the seed and the row's values (``rowKeyedNoise(_:samples:width:seed:)``); feature score = mean over samples of `(x − x̂)²`; instance score = mean
///   of the top ⌈`outlierPercentage`/100 · features⌉ feature scores.
/// - Deviation: alibi's trainer draws batches from a 1,024-row shuffle buffer; Vigil
///   shuffles the whole training set every epoch.
public final class OutlierVAE: OutlierDetector {
    public static let kind = "OutlierVAE"

    /// How instances are scored.
    public enum ScoreType: String, Codable, Sendable, CaseIterable {
        /// alibi's `mse`: squared reconstruction error.
        case meanSquaredError = "mse"
        /// alibi's declared `proba`: the negative log reconstruction probability.
        case reconstructionProbability = "proba"
        /// The negative log-likelihood under a Gaussian decoder whose variance per feature is
        /// learnt: after training, `σ_j²` is its maximum-likelihood value, the mean squared
        /// residual of feature `j` over the training rows (at least 1e-6), stored as
        /// ``Configuration/residualVariance``; feature score `½(x_j − x̂_j)²/σ_j² + ½ log 2πσ_j²`.
        /// Unlike `mse`, a feature the network reconstructs tightly on normal data weighs
        /// more than one it never gets right, so heavy-tailed columns do not drown the rest.
        case learnedVariance = "nll"
    }

    /// Hyper-parameters, with alibi-detect's defaults.
    public struct Configuration: Codable, Sendable, Equatable {
        public var scoreType = ScoreType.meanSquaredError
        public var samples = 10
        public var beta: Float = 1
        public var covariance = LikelihoodCovariance.similarity(0.05)
        /// The share of the highest feature scores averaged into the instance score (100 = all).
        public var outlierPercentage: Double = 100
        public var seed: UInt64 = 0
        /// The learnt variance of each feature's reconstruction (``ScoreType/learnedVariance``),
        /// set by ``fit(_:options:)``; `nil` for the other scores.
        public var residualVariance: [Float]?
        public init(
            scoreType: ScoreType = .meanSquaredError, samples: Int = 10, beta: Float = 1,
            covariance: LikelihoodCovariance = .similarity(0.05), outlierPercentage: Double = 100, seed: UInt64 = 0
        ) {
            self.scoreType = scoreType
            self.samples = samples
            self.beta = beta
            self.covariance = covariance
            self.outlierPercentage = outlierPercentage
            self.seed = seed
        }

        enum CodingKeys: String, CodingKey { case scoreType, samples, beta, covariance, outlierPercentage, seed, residualVariance }

        /// Decodes a saved configuration; `scoreType`, added after format version 1's first
        /// detectors, defaults to `mse` when absent.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            scoreType = try container.decodeIfPresent(ScoreType.self, forKey: .scoreType) ?? .meanSquaredError
            samples = try container.decode(Int.self, forKey: .samples)
            beta = try container.decode(Float.self, forKey: .beta)
            covariance = try container.decode(LikelihoodCovariance.self, forKey: .covariance)
            outlierPercentage = try container.decode(Double.self, forKey: .outlierPercentage)
            seed = try container.decode(UInt64.self, forKey: .seed)
            residualVariance = try container.decodeIfPresent([Float].self, forKey: .residualVariance)
        }
    }

    public let network: VariationalAutoencoder
    public var configuration: Configuration
    public let featureCount: Int
    public var standardizer: Standardizer?
    public var threshold: Threshold?
    public var training: TrainingRecord?
    /// How scoring draws the latent code (not saved: a choice of the caller).
    public var latentScoring = LatentScoring.sampled

    public init(network: VariationalAutoencoder, featureCount: Int, configuration: Configuration = Configuration()) throws {
        guard (1...maximumScoringSamples).contains(configuration.samples), (0...100).contains(configuration.outlierPercentage),
            configuration.outlierPercentage > 0
        else {
            throw DetectorError.invalidArgument(
                name: "OutlierVAE configuration", expected: "samples in 1…\(maximumScoringSamples) and outlier percentage in (0, 100]",
                actual: "samples \(configuration.samples), outlier percentage \(configuration.outlierPercentage)")
        }
        try validateCovariance(configuration.covariance, featureCount: featureCount)
        if let variance = configuration.residualVariance, variance.count != featureCount || !variance.allSatisfy({ $0.isFinite && $0 > 0 }) {
            throw DetectorError.invalidArgument(
                name: "OutlierVAE residual variance", expected: "\(featureCount) finite positive values",
                actual: "\(variance.count) values" + (variance.allSatisfy { $0.isFinite && $0 > 0 } ? "" : ", not all finite and positive"))
        }
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
        let (covariance, beta) = (configuration.covariance, configuration.beta)
        let history = try train(network, rows: input, options: options) { x in
            let pass = network(x, noise: &noise)
            let reconstructionLoss = try Loss.gaussianNegativeLogLikelihood(x, pass.reconstruction, covariance: covariance)
            return reconstructionLoss + Loss.gaussianKL(mean: pass.mean, logVariance: pass.logVariance) * beta
        }
        configuration.residualVariance = nil
        if configuration.scoreType == .learnedVariance {
            // The maximum-likelihood variance of each feature's residual on the training rows.
            configuration.residualVariance = try residualVariance(of: input)
        }
        return history
    }

    public func scoreModelInput(_ data: Tensor) throws -> OutlierScores {
        try inSampleBatches(data, samples: latentScoring.draws(configuration.samples)) {
            try scoreSampled($0, as: configuration.scoreType, latent: latentScoring)
        }
    }

    private func scoreSampled(_ data: Tensor, as scoreType: ScoreType, latent: LatentScoring) throws -> OutlierScores {
        let (rows, samples, features) = (data.shape[0], latent.draws(configuration.samples), featureCount)
        let epsilon = latent.noise(data, samples: samples, width: network.latentDimension, seed: configuration.seed &+ 0x5C0E)
        let repeated = repeatRows(data, samples)
        let reconstruction = network.sampledReconstructions(data, samples: samples, epsilon: epsilon)
        let difference = repeated - reconstruction
        if case (.reconstructionProbability, .full(let matrix)) = (scoreType, configuration.covariance) {
            // −log N(x; x̂, C) = ½‖L⁻¹(x − x̂)‖² + ½ log det C + (D/2) log 2π, per row, then / D.
            let factor = try Tensor(shape: [features, features], scalars: matrix).cholesky()
            let whitened = Tensor.matmul(difference, factor.solveLowerTriangular(Tensor.identity(features)), transposeB: true)
            let logDeterminant = (0..<features).reduce(Float(0)) { $0 + 2 * Foundation.log(factor[$1, $1]) }
            let perRow = whitened.pow(2).sum(alongAxis: 1) * 0.5 + (0.5 * logDeterminant + Float(features) * halfLogTwoPi)
            let perInstance = Tensor(shape: [rows, samples], scalars: perRow.scalars).sum(alongAxis: 1) * (1 / Float(samples * features))
            return OutlierScores(instance: perInstance.scalars, feature: nil)
        }
        let squared = difference.pow(2)
        let perSample = try featureScoreMap(for: scoreType).map { map in
            squared * Tensor(shape: [features], scalars: map.scale) + Tensor(shape: [features], scalars: map.offset)
        } ?? squared
        let featureScores = Tensor(shape: [rows, samples, features], scalars: perSample.scalars).sum(alongAxis: 1) * (1 / Float(samples))
        return OutlierScores(instance: instanceScores(featureScores, percentage: configuration.outlierPercentage), feature: featureScores)
    }
}

extension OutlierVAE {
    /// The per-feature map from a squared residual to a feature score, `a_j·(x_j − x̂_j)² + b_j`,
    /// for `scoreType` (the configured one by default); `nil` for `mse`, whose feature score is
    /// the squared residual itself. Scoring and the ONNX export both read it.
    ///
    /// - `nll`: `a_j = 1/(2σ_j²)`, `b_j = ½ log 2πσ_j²` with the learnt ``Configuration/residualVariance``.
    /// - `proba` with a similarity `σ` or diagonal variances: the same with the likelihood's variances.
    /// - Throws: ``DetectorError`` for `proba` with a full covariance (it scores whole rows, not
    ///   features), a covariance not yet fitted, or `nll` before fitting.
    public func featureScoreMap(for scoreType: ScoreType? = nil) throws -> (scale: [Float], offset: [Float])? {
        func gaussian(_ variances: [Float]) -> (scale: [Float], offset: [Float]) {
            (variances.map { 1 / (2 * $0) }, variances.map { 0.5 * Foundation.log($0) + halfLogTwoPi })
        }
        switch (scoreType ?? configuration.scoreType, configuration.covariance) {
        case (.meanSquaredError, _):
            return nil
        case (.learnedVariance, _):
            guard let variances = configuration.residualVariance else {
                throw DetectorError.invalidArgument(name: "residual variance", expected: "a detector fitted with score type nll", actual: "none learnt")
            }
            return gaussian(variances)
        case (.reconstructionProbability, .similarity(let sigma)):
            return gaussian(Array(repeating: sigma * sigma, count: featureCount))
        case (.reconstructionProbability, .diagonal(let variances)):
            return gaussian(variances)
        case (.reconstructionProbability, .full):
            throw DetectorError.invalidArgument(
                name: "likelihood covariance", expected: "one that scores features (similarity or diagonal)", actual: "a full covariance, which scores whole rows")
        case (.reconstructionProbability, .diagonalOfData), (.reconstructionProbability, .fullOfData):
            throw DetectorError.invalidArgument(name: "likelihood covariance", expected: "a fitted detector", actual: "\(configuration.covariance)")
        }
    }
}

private let halfLogTwoPi = Float(0.5 * Foundation.log(2 * Double.pi))

/// The most noise draws per instance a variational detector scores with (alibi's default
/// is 10; more than ten thousand only multiplies the cost).
let maximumScoringSamples = 10_000

/// A likelihood covariance that does not fit the features, as a detector error.
func validateCovariance(_ covariance: LikelihoodCovariance, featureCount: Int) throws {
    do { try covariance.validate(featureCount: featureCount) } catch {
        throw DetectorError.invalidArgument(name: "likelihood covariance", expected: "one that fits \(featureCount) features", actual: "\(error)")
    }
}

/// The mean of the top ⌈p/100 · d⌉ feature scores of each row of `featureScores`
/// (`[rows, d]`; p = 100: the plain mean), alibi-detect's instance score with `outlier_perc` p.
public func instanceScores(_ featureScores: Tensor, percentage: Double) -> [Float] {
    let (rows, features) = (featureScores.shape[0], featureScores.shape[1])
    let kept = max(1, Int((percentage / 100 * Double(features)).rounded(.up)))
    return (0..<rows).map { row in
        let values = featureScores.scalars[(row * features)..<((row + 1) * features)]
        let top = kept == features ? Array(values) : Array(values.sorted(by: >).prefix(kept))
        return top.reduce(0, +) / Float(kept)
    }
}

extension OutlierVAE: RowSourceTraining {
    /// Each feature's mean squared residual over the training rows (model input), at least
    /// 1e-6: the maximum-likelihood variance of the decoder, summed chunk by chunk in
    /// `Double` in row order (a row's residual depends only on the row).
    func residualVariance(of input: some RowSource) throws -> [Float] {
        var sums = [Double](repeating: 0, count: featureCount)
        try input.forEachChunk(of: 16_384) { _, chunk in
            let residuals = try inSampleBatches(chunk, samples: configuration.samples) { try scoreSampled($0, as: .meanSquaredError, latent: .sampled) }.feature!
            residuals.withUnsafeBufferPointer { values in
                for row in 0..<chunk.shape[0] {
                    for feature in 0..<featureCount { sums[feature] += Double(values[row * featureCount + feature]) }
                }
            }
        }
        return sums.map { max(Float($0 / Double(input.rowCount)), 1e-6) }
    }
}

extension OutlierVAE: RegisteredDetector {
    public static let settingsKey: String? = "vae"
    public var settings: Configuration { configuration }
    public var trainedNetwork: (any Module)? { network }

    public static func restore(from saved: inout SavedParts, settings: Configuration) throws -> OutlierVAE {
        let (network, _) = try VariationalAutoencoder.restore(from: saved)
        try saved.fill(network)
        return try OutlierVAE(network: network, featureCount: saved.featureCount, configuration: settings)
    }
}
