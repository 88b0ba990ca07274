import VigilData
import VigilNN
import VigilTensor

/// alibi-detect's `OutlierAE` (and deepad's `AutoencoderModel`): an autoencoder trained on
/// normal data with the mean squared reconstruction error; an instance's score is its
/// reconstruction error.
///
/// - Feature score: `(x − x̂)²`; instance score: the mean of the top
///   ⌈`outlierPercentage`/100 · features⌉ feature scores (100 = the row-mean squared error,
///   deepad's score).
public final class OutlierAE: OutlierDetector {
    public static let kind = "OutlierAE"

    public struct Configuration: Codable, Sendable, Equatable {
        /// The share of the highest feature scores averaged into the instance score (100 = all).
        public var outlierPercentage: Double = 100
        public init(outlierPercentage: Double = 100) { self.outlierPercentage = outlierPercentage }
    }

    /// The trainable parts: `decoder(encoder(x))`.
    public final class Network: Module {
        public let encoder: Sequential
        public let decoder: Sequential

        public init(encoder: Sequential, decoder: Sequential) {
            self.encoder = encoder
            self.decoder = decoder
        }

        public func callAsFunction(_ x: Variable) -> Variable { decoder(encoder(x)) }
    }

    public let network: Network
    public var configuration: Configuration
    public let featureCount: Int
    public var standardizer: Standardizer?
    public var threshold: Threshold?
    public var training: TrainingRecord?

    public init(network: Network, featureCount: Int, configuration: Configuration = Configuration()) throws {
        guard configuration.outlierPercentage > 0, configuration.outlierPercentage <= 100 else {
            throw DetectorError.invalidArgument(
                name: "outlier percentage", expected: "a percentage in (0, 100]", actual: "\(configuration.outlierPercentage)")
        }
        self.network = network
        self.featureCount = featureCount
        self.configuration = configuration
    }

    public func fit(_ data: Tensor, options: FitOptions) throws -> TrainingHistory { try fit(rows: data, options: options) }

    /// Trains on `rows`, in memory or streamed from disk (``RowSourceTraining``); on a tensor, exactly ``fit(_:options:)``.
    public func fit<Rows: RowSource>(rows: Rows, options: FitOptions) throws -> TrainingHistory {
        let input = try prepareTraining(rows: rows, options: options)
        return try train(network, rows: input, options: options) { x in Loss.meanSquaredError(network(x), x) }
    }

    public func scoreModelInput(_ data: Tensor) throws -> OutlierScores {
        let featureScores = (data - network(Variable(data)).value).pow(2)
        return OutlierScores(instance: instanceScores(featureScores, percentage: configuration.outlierPercentage), feature: featureScores)
    }
}

extension OutlierAE: RowSourceTraining {}

extension OutlierAE: RegisteredDetector {
    public static let settingsKey: String? = "ae"
    public var settings: Configuration { configuration }
    public var trainedNetwork: (any Module)? { network }

    public static func restore(from saved: inout SavedParts, settings: Configuration) throws -> OutlierAE {
        let network = Network(encoder: try saved.layer("encoder"), decoder: try saved.layer("decoder"))
        let code = try saved.width(saved.featureCount, through: [("encoder", network.encoder)])
        try saved.require(try saved.width(code, through: [("decoder", network.decoder)]), saved.featureCount, "the reconstruction (network \"decoder\")")
        try saved.fill(network)
        return try OutlierAE(network: network, featureCount: saved.featureCount, configuration: settings)
    }
}
