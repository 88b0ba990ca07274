import Foundation
import VigilNN
import VigilTensor

// The architectures and settings of deepad's KDD models (its `train.py` and `models/*.py`).

extension OutlierAE {
    /// deepad's `AutoencoderModel`: `features → 15 → 7 (relu) → 2 → 7 → 15 (relu) → features (sigmoid)`.
    public static func deepadPreset(featureCount: Int = 18, seed: UInt64) throws -> OutlierAE {
        var generator = SeededRandom(seed: seed)
        let encoder = denseStack([featureCount, 15, 7, 2], [.relu, .relu, .linear], &generator)
        let decoder = denseStack([2, 7, 15, featureCount], [.relu, .relu, .sigmoid], &generator)
        return try OutlierAE(network: Network(encoder: encoder, decoder: decoder), featureCount: featureCount)
    }
}

extension OutlierVAE {
    /// deepad's `VAEModel`: encoder `features → 15 → 7 (relu)`, latent 2, decoder
    /// `2 → 7 → 15 (relu) → features (sigmoid)`; its loss `mean(features·mse + KL)` is the
    /// ELBO with `σ = 1/√2` (so `Σ(x − x̂)²/(2σ²) = Σ(x − x̂)²`); one sample, `mse` score.
    public static func deepadPreset(featureCount: Int = 18, seed: UInt64) throws -> OutlierVAE {
        var generator = SeededRandom(seed: seed)
        let encoder = denseStack([featureCount, 15, 7], [.relu, .relu], &generator)
        let decoder = denseStack([2, 7, 15, featureCount], [.relu, .relu, .sigmoid], &generator)
        let network = VariationalAutoencoder(encoder: encoder, encodedWidth: 7, latentDimension: 2, decoder: decoder, generator: &generator)
        let configuration = Configuration(samples: 1, covariance: .similarity(Float(0.5.squareRoot())), seed: seed)
        return try OutlierVAE(network: network, featureCount: featureCount, configuration: configuration)
    }
}

extension BiGANDetector {
    /// deepad's `BiGANModel` at its KDD settings (latent 2, dense 128): encoder
    /// `Dense(128, leaky relu) → Dense(2)`, generator `Dense(128, relu) → Dense(features, sigmoid)`,
    /// discriminator on `[x, z]`: `Dropout(0.2) → Dense(128, leaky relu) → Dropout(0.2) → Dense(1)`.
    public static func deepadPreset(featureCount: Int = 18, latentDimension: Int = 2, width: Int = 128, seed: UInt64) throws -> BiGANDetector {
        var generator = SeededRandom(seed: seed)
        let encoder = denseStack([featureCount, width, latentDimension], [.leakyRelu, .linear], &generator)
        let decoder = denseStack([latentDimension, width, featureCount], [.relu, .sigmoid], &generator)
        let features = Sequential([
            Dropout(rate: 0.2, seed: seed &+ 1),
            Dense(inputSize: featureCount + latentDimension, outputSize: width, activation: .leakyRelu, generator: &generator),
            Dropout(rate: 0.2, seed: seed &+ 2),
        ])
        let output = denseStack([width, 1], [.linear], &generator)
        return try BiGANDetector(
            network: Network(encoder: encoder, generator: decoder, discriminatorFeatures: features, discriminatorOutput: output),
            featureCount: featureCount)
    }
}

extension Seq2SeqDetector {
    /// deepad's `Seq2SeqModel` at its KDD settings: bidirectional `LSTM(10)` encoder,
    /// `LSTM(20)` decoder, `Dense(1, sigmoid)` output.
    public static func deepadPreset(featureCount: Int = 18, encoderUnits: Int = 10, seed: UInt64) throws -> Seq2SeqDetector {
        var generator = SeededRandom(seed: seed)
        let network = Network(
            forwardEncoder: LSTM(inputSize: 1, units: encoderUnits, generator: &generator),
            backwardEncoder: LSTM(inputSize: 1, units: encoderUnits, generator: &generator),
            decoder: LSTM(inputSize: 1, units: 2 * encoderUnits, generator: &generator),
            output: Dense(inputSize: 2 * encoderUnits, outputSize: 1, activation: .sigmoid, generator: &generator))
        return try Seq2SeqDetector(network: network, featureCount: featureCount)
    }
}
