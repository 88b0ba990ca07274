import VigilData
import VigilNN
import VigilTensor

/// A bidirectional GAN (Donahue et al. 2017) used for outlier detection as deepad and
/// Zenati et al. (2018, "Efficient GAN-based anomaly detection") do: an encoder `E: x → z`,
/// a generator `G: z → x` and a discriminator `D(x, z)` trained adversarially, `D` to tell
/// `(x, E(x))` from `(G(z), z)`, `E` and `G` to fool it.
///
/// - Score: `α·‖x − G(E(x))‖₁ + (1 − α)·‖f(x, E(x)) − f(G(E(x)), E(x))‖₁`, `f` the
///   discriminator's hidden layer (feature matching); `α = 0.9` as deepad. The feature
///   scores are `|x − G(E(x))|`.
/// - Deviation from deepad: its "epochs" are single random batches (15 steps in all); Vigil
///   trains full epochs over the shuffled data.
public final class BiGANDetector: OutlierDetector {
    public static let kind = "BiGAN"

    public struct Configuration: Codable, Sendable, Equatable {
        /// The weight of the reconstruction term in the score.
        public var reconstructionWeight: Float = 0.9
        public init(reconstructionWeight: Float = 0.9) { self.reconstructionWeight = reconstructionWeight }
    }

    /// The three networks. `discriminatorFeatures` maps `[x, z]` to the hidden features,
    /// `discriminatorOutput` those to one logit.
    public final class Network: Module {
        public let encoder: Sequential
        public let generator: Sequential
        public let discriminatorFeatures: Sequential
        public let discriminatorOutput: Sequential

        public init(encoder: Sequential, generator: Sequential, discriminatorFeatures: Sequential, discriminatorOutput: Sequential) {
            self.encoder = encoder
            self.generator = generator
            self.discriminatorFeatures = discriminatorFeatures
            self.discriminatorOutput = discriminatorOutput
        }

        func discriminate(_ x: Variable, _ z: Variable) -> (features: Variable, logit: Variable) {
            let features = discriminatorFeatures(Variable.concatenate([x, z], alongAxis: 1))
            return (features, discriminatorOutput(features))
        }

        var latentDimension: Int { (generator.layers.first as? Dense)?.inputSize ?? 0 }
    }

    public let network: Network
    public var configuration: Configuration
    public let featureCount: Int
    public var standardizer: Standardizer?
    public var threshold: Threshold?
    public var training: TrainingRecord?

    public init(network: Network, featureCount: Int, configuration: Configuration = Configuration()) throws {
        guard (0...1).contains(configuration.reconstructionWeight) else {
            throw DetectorError.invalidArgument(name: "reconstruction weight", expected: "a weight in [0, 1]", actual: "\(configuration.reconstructionWeight)")
        }
        self.network = network
        self.featureCount = featureCount
        self.configuration = configuration
    }

    /// Alternates one discriminator step and one encoder + generator step per mini-batch,
    /// each with its own Adam; the recorded loss is the discriminator's.
    public func fit(_ data: Tensor, options: FitOptions) throws -> TrainingHistory {
        let input = try prepareTraining(data, options: options)
        let network = network
        let discriminatorParameters = network.discriminatorFeatures.parameters + network.discriminatorOutput.parameters
        let generatorParameters = network.encoder.parameters + network.generator.parameters
        let discriminatorAdam = try Adam(learningRate: options.learningRate, globalClipNorm: options.gradientClipNorm)
        let generatorAdam = try Adam(learningRate: options.learningRate, globalClipNorm: options.gradientClipNorm)
        var noise = SeededRandom(seed: options.seed &+ 0xB16A)
        let trainer = Trainer(epochs: options.epochs, batchSize: options.batchSize, seed: options.seed, progress: options.progress)
        return try trainer.run(network, inputs: input) { batch in
            let x = Variable(batch.inputs)
            let rows = batch.inputs.shape[0]
            let ones = Variable(Tensor(repeating: 1, shape: [rows, 1]))
            let zeros = Variable(Tensor(zeros: [rows, 1]))
            func adversarialTerms(realTarget: Variable, fakeTarget: Variable) -> Variable {
                let z = Variable(noise.normalTensor([rows, network.latentDimension]))
                let real = network.discriminate(x, network.encoder(x)).logit
                let fake = network.discriminate(network.generator(z), z).logit
                return Loss.binaryCrossEntropy(logits: real, targets: realTarget) + Loss.binaryCrossEntropy(logits: fake, targets: fakeTarget)
            }
            let discriminatorLoss = adversarialTerms(realTarget: ones, fakeTarget: zeros)
            discriminatorLoss.backward()
            for parameter in generatorParameters { parameter.gradient = nil }
            discriminatorAdam.update(discriminatorParameters)
            let generatorLoss = adversarialTerms(realTarget: zeros, fakeTarget: ones)
            generatorLoss.backward()
            for parameter in discriminatorParameters { parameter.gradient = nil }
            generatorAdam.update(generatorParameters)
            return discriminatorLoss.value.scalars[0]
        }
    }

    public func scoreModelInput(_ data: Tensor) throws -> OutlierScores {
        let x = Variable(data)
        let code = network.encoder(x)
        let reconstruction = network.generator(code)
        let residual = (data - reconstruction.value).abs()
        let featureDistance = (network.discriminate(x, code).features.value - network.discriminate(reconstruction, code).features.value).abs()
        let alpha = configuration.reconstructionWeight
        let score = residual.sum(alongAxis: 1) * alpha + featureDistance.sum(alongAxis: 1) * (1 - alpha)
        return OutlierScores(instance: score.scalars, feature: residual)
    }
}

extension BiGANDetector: RegisteredDetector {
    public static let settingsKey: String? = "bigan"
    public var settings: Configuration { configuration }
    public var trainedNetwork: (any Module)? { network }

    public static func restore(from saved: inout SavedParts, settings: Configuration) throws -> BiGANDetector {
        let network = Network(
            encoder: try saved.layer("encoder"), generator: try saved.layer("generator"),
            discriminatorFeatures: try saved.layer("discriminatorFeatures"), discriminatorOutput: try saved.layer("discriminatorOutput"))
        let d = saved.featureCount
        let latent = try saved.width(d, through: [("encoder", network.encoder)])
        try saved.require(try saved.width(latent, through: [("generator", network.generator)]), d, "the generator's output (network \"generator\")")
        let hidden = try saved.width(d + latent, through: [("discriminatorFeatures", network.discriminatorFeatures)])
        try saved.require(try saved.width(hidden, through: [("discriminatorOutput", network.discriminatorOutput)]), 1, "the discriminator's logit")
        try saved.fill(network)
        return try BiGANDetector(network: network, featureCount: d, configuration: settings)
    }
}
