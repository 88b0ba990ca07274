import ArgumentParser
import Foundation
import VigilNN
import VigilTensor

/// Times one training epoch of the networks of alibi-detect's KDD Cup '99 examples on
/// synthetic standardised data of the same width (18 features).
enum TrainingBenchmark {
    enum Network: String, CaseIterable, ExpressibleByArgument {
        /// 18→60→30→10→1→10→30→60→18, tanh (linear code and output), MSE, Adam, batch 1,024.
        case aegmm
        /// 18→20→15→7→(2, 2)→7→15→20→18, relu, ELBO (σ 0.05) + KL, Adam, batch 64.
        case vae

        var batchSize: Int { self == .aegmm ? 1024 : 64 }
    }

    struct Figure: Codable {
        var network: String
        var batchSize: Int
        var threads: Int
        var rows: Int
        var secondsPerEpoch: Double
        var samplesPerSecond: Double
        /// FLOPs of the matrix products of one epoch (forward and both backward products of
        /// every dense layer), divided by the epoch's seconds.
        var achievedGigaflops: Double
        var fractionOfGemmPeak: Double
        var finalLoss: Float
    }

    /// Trains `epochs` epochs and reports the fastest, so that a busy machine's hiccups
    /// do not make the figure.
    static func run(_ network: Network, rows: Int, epochs: Int, seed: UInt64) throws -> Figure {
        var random = SeededRandom(seed: seed)
        let data = random.normalTensor([rows, 18])
        let model: any Layer & KDDNetwork = network == .aegmm
            ? AutoencoderNetwork(generator: &random) : VariationalNetwork(generator: &random)
        let trainer = Trainer(epochs: epochs, batchSize: network.batchSize, seed: seed, progress: .silent)
        var noise = SeededRandom(seed: seed &+ 1)
        let history = try trainer.fit(model, optimizer: try Adam(), inputs: data) { batch in
            model.loss(Variable(batch.inputs), noise: &noise)
        }
        let seconds = history.epochSeconds.min()!
        let flops = 6 * Double(rows) * Double(model.denseMultiplyAccumulates)
        return Figure(
            network: network.rawValue, batchSize: network.batchSize, threads: ComputeThreads.count, rows: rows,
            secondsPerEpoch: seconds, samplesPerSecond: Double(rows) / seconds, achievedGigaflops: flops / seconds / 1e9,
            fractionOfGemmPeak: 0, finalLoss: history.loss.last!)
    }
}

/// A network of the KDD examples with its training loss.
protocol KDDNetwork {
    /// `Σ inputSize·outputSize` over the dense layers: multiply-adds per sample, forward.
    var denseMultiplyAccumulates: Int { get }
    func loss(_ x: Variable, noise: inout SeededRandom) -> Variable
}

extension Sequential {
    var denseMultiplyAccumulates: Int {
        layers.compactMap { $0 as? Dense }.reduce(0) { $0 + $1.inputSize * $1.outputSize }
    }
}

/// The AEGMM example's autoencoder: tanh hidden layers, linear code and output.
final class AutoencoderNetwork: Layer, KDDNetwork {
    let encoder: Sequential
    let decoder: Sequential

    init(generator: inout SeededRandom) {
        encoder = Sequential([
            Dense(inputSize: 18, outputSize: 60, activation: .tanh, generator: &generator),
            Dense(inputSize: 60, outputSize: 30, activation: .tanh, generator: &generator),
            Dense(inputSize: 30, outputSize: 10, activation: .tanh, generator: &generator),
            Dense(inputSize: 10, outputSize: 1, generator: &generator),
        ])
        decoder = Sequential([
            Dense(inputSize: 1, outputSize: 10, activation: .tanh, generator: &generator),
            Dense(inputSize: 10, outputSize: 30, activation: .tanh, generator: &generator),
            Dense(inputSize: 30, outputSize: 60, activation: .tanh, generator: &generator),
            Dense(inputSize: 60, outputSize: 18, generator: &generator),
        ])
    }

    var denseMultiplyAccumulates: Int { encoder.denseMultiplyAccumulates + decoder.denseMultiplyAccumulates }

    func callAsFunction(_ input: Variable) -> Variable { decoder(encoder(input)) }

    func outputShape(forInputShape shape: [Int]) throws(ModelError) -> [Int] {
        try decoder.outputShape(forInputShape: encoder.outputShape(forInputShape: shape))
    }

    func loss(_ x: Variable, noise: inout SeededRandom) -> Variable {
        Loss.meanSquaredError(self(x), x)
    }
}

/// The OutlierVAE example's network: relu layers 20-15-7, a 2-D latent Gaussian.
final class VariationalNetwork: Layer, KDDNetwork {
    let encoder: Sequential
    let mean: Dense
    let logVariance: Dense
    let decoder: Sequential
    let similarity: Float = 0.05

    init(generator: inout SeededRandom) {
        encoder = Sequential([
            Dense(inputSize: 18, outputSize: 20, activation: .relu, generator: &generator),
            Dense(inputSize: 20, outputSize: 15, activation: .relu, generator: &generator),
            Dense(inputSize: 15, outputSize: 7, activation: .relu, generator: &generator),
        ])
        mean = Dense(inputSize: 7, outputSize: 2, generator: &generator)
        logVariance = Dense(inputSize: 7, outputSize: 2, generator: &generator)
        decoder = Sequential([
            Dense(inputSize: 2, outputSize: 7, activation: .relu, generator: &generator),
            Dense(inputSize: 7, outputSize: 15, activation: .relu, generator: &generator),
            Dense(inputSize: 15, outputSize: 20, activation: .relu, generator: &generator),
            Dense(inputSize: 20, outputSize: 18, generator: &generator),
        ])
    }

    var denseMultiplyAccumulates: Int {
        encoder.denseMultiplyAccumulates + 2 * mean.inputSize * mean.outputSize + decoder.denseMultiplyAccumulates
    }

    func callAsFunction(_ input: Variable) -> Variable {
        decoder(mean(encoder(input)))
    }

    func outputShape(forInputShape shape: [Int]) throws(ModelError) -> [Int] {
        try decoder.outputShape(forInputShape: mean.outputShape(forInputShape: encoder.outputShape(forInputShape: shape)))
    }

    /// −log N(x; x̂, σ²I) averaged over the batch, plus the KL term of alibi-detect
    /// (−½·mean(1 + log σ²_z − μ_z² − σ²_z)).
    func loss(_ x: Variable, noise: inout SeededRandom) -> Variable {
        let hidden = encoder(x)
        let mu = mean(hidden)
        let logVar = logVariance(hidden)
        let epsilon = noise.normalTensor(mu.shape)
        let z = mu + (logVar * 0.5).exp() * epsilon
        let reconstruction = decoder(z)
        let difference = reconstruction - x
        let sigma = similarity
        let constant = Float(x.shape[1]) * (Foundation.log(sigma) + 0.5 * Foundation.log(2 * Float.pi))
        let negativeLogLikelihood = (difference * difference).sum(alongAxis: 1).mean() * (1 / (2 * sigma * sigma)) + constant
        let kl = (1 + logVar - mu * mu - logVar.exp()).mean() * -0.5
        return negativeLogLikelihood + kl
    }
}
