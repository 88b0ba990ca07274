import Foundation
import VigilNN
import VigilTensor

/// The network sizes Vigil chooses for a table of `featureCount` columns, the rule
/// `vigil train --explain` prints. The reference examples' networks were sized for KDD's 18
/// or 120 features; these grow with the table instead.
///
/// Chosen on the tabular tuning corpus (`../shared/TUNING.md`, semi-supervised protocol, seeds
/// 0–2; README): PyOD's AutoEncoder uses 64 → 32 for every table, which is the rule below for
/// up to 64 features.
public struct TableSizing: Sendable, Equatable {
    /// The table's column count.
    public let featureCount: Int
    /// The first hidden layer: the power of two at or above the feature count, within 64…256.
    public let hidden: Int
    /// The VAE's latent dimension: ⌈√features⌉ within 2…8.
    public let latent: Int
    /// The code of the mixture detectors (AEGMM, VAEGMM, DAGMM): ⌈√features / 2⌉ within 1…4;
    /// the estimation network sees it with the two reconstruction features.
    public let code: Int
    /// The mixture's component count (the DAGMM paper's KDDCUP setting).
    public let components = 4
    /// The dropout rate after each hidden layer of the autoencoder (PyOD's AutoEncoder default).
    public let dropout: Float = 0.2

    /// The sizes for `featureCount` columns.
    public init(featureCount: Int) {
        self.featureCount = featureCount
        var power = 64
        while power < featureCount && power < 256 { power *= 2 }
        hidden = power
        let root = Double(featureCount).squareRoot()
        latent = min(8, max(2, Int(root.rounded(.up))))
        code = min(4, max(1, Int((root / 2).rounded(.up))))
    }

    /// The second hidden layer: half the first.
    public var secondHidden: Int { hidden / 2 }

    /// Why each size is what it is, for `--explain`: the hidden layers, and the latent
    /// (`latent`) or the mixture's code and components (`code`) when the network has them.
    public func reasons(latent hasLatent: Bool, code hasCode: Bool, oneHidden: Bool = false) -> [(String, String)] {
        let rule = "the power of two at or above \(featureCount) features, within 64…256"
        return [("hidden layers", oneHidden ? "\(hidden): \(rule)" : "\(hidden) → \(secondHidden): \(rule), then half")]
            + (hasLatent ? [("latent", "\(latent): ⌈√\(featureCount)⌉ within 2…8")] : [])
            + (hasCode ? [("code", "\(code): ⌈√\(featureCount)/2⌉ within 1…4; a mixture of \(components) components")] : [])
    }
}

/// `sizes[0] → sizes[1] → …` with `activations[i]` on layer `i` and a seeded dropout of
/// `rate` after every layer but the last (and after the last too when `afterLast`).
func denseStack(
    _ sizes: [Int], _ activations: [Activation], dropout rate: Float, seed: UInt64, afterLast: Bool = false,
    _ generator: inout SeededRandom
) -> Sequential {
    var layers: [any Layer] = []
    for index in 0..<(sizes.count - 1) {
        layers.append(Dense(inputSize: sizes[index], outputSize: sizes[index + 1], activation: activations[index], generator: &generator))
        if afterLast || index < sizes.count - 2 { layers.append(Dropout(rate: rate, seed: seed &+ UInt64(index))) }
    }
    return Sequential(layers)
}

extension OutlierAE {
    /// The table network: `features → h → h/2 → h (relu, dropout 0.2 after each) → features`
    /// (PyOD's AutoEncoder shape without batch normalisation; `h` from ``TableSizing``).
    public static func tablePreset(_ sizing: TableSizing, seed: UInt64) throws -> OutlierAE {
        var generator = SeededRandom(seed: seed)
        let (d, h, half) = (sizing.featureCount, sizing.hidden, sizing.secondHidden)
        let encoder = denseStack([d, h, half], [.relu, .relu], dropout: sizing.dropout, seed: seed &+ 0xA0, afterLast: true, &generator)
        let decoder = denseStack([half, h, d], [.relu, .linear], dropout: sizing.dropout, seed: seed &+ 0xB0, &generator)
        return try OutlierAE(network: Network(encoder: encoder, decoder: decoder), featureCount: d)
    }
}

extension OutlierVAE {
    /// The table network: encoder `features → h → h/2 (relu)`, latent from ``TableSizing``,
    /// decoder `latent → h/2 → h (relu) → features`; the KDD example's ELBO and score.
    public static func tablePreset(_ sizing: TableSizing, configuration: Configuration, seed: UInt64) throws -> OutlierVAE {
        var generator = SeededRandom(seed: seed)
        let (d, h, half) = (sizing.featureCount, sizing.hidden, sizing.secondHidden)
        let encoder = denseStack([d, h, half], [.relu, .relu], &generator)
        let decoder = denseStack([sizing.latent, half, h, d], [.relu, .relu, .linear], &generator)
        let network = VariationalAutoencoder(encoder: encoder, encodedWidth: half, latentDimension: sizing.latent, decoder: decoder, generator: &generator)
        return try OutlierVAE(network: network, featureCount: d, configuration: configuration)
    }
}

extension OutlierAEGMM {
    /// The table network: encoder `features → h → h/2 (tanh) → code`, mirror decoder,
    /// estimation network `Dense(10, tanh) → Dropout(0.5) → Dense(components, softmax)` on
    /// `[code, two reconstruction features]`, with `configuration`'s features and jitter
    /// (``DetectorChoice`` gives every mixture detector the root-mean-square error,
    /// ``ReconstructionFeatureStyle/rootMeanSquare``, on standardised tables).
    public static func tablePreset(_ sizing: TableSizing, configuration: Configuration, seed: UInt64) -> OutlierAEGMM {
        var generator = SeededRandom(seed: seed)
        let (d, h, half, code) = (sizing.featureCount, sizing.hidden, sizing.secondHidden, sizing.code)
        let encoder = denseStack([d, h, half, code], [.tanh, .tanh, .linear], &generator)
        let decoder = denseStack([code, half, h, d], [.tanh, .tanh, .linear], &generator)
        let density = estimationNetwork(input: code + 2, components: sizing.components, seed: seed, &generator)
        return OutlierAEGMM(network: .init(encoder: encoder, decoder: decoder, density: density), featureCount: d, configuration: configuration)
    }
}

extension OutlierVAEGMM {
    /// The table network: the table VAE's encoder and decoder with ``TableSizing/code`` as
    /// latent, and the AEGMM table preset's estimation network on `[latent, two reconstruction features]`.
    public static func tablePreset(_ sizing: TableSizing, configuration: Configuration, seed: UInt64) throws -> OutlierVAEGMM {
        var generator = SeededRandom(seed: seed)
        let (d, h, half, code) = (sizing.featureCount, sizing.hidden, sizing.secondHidden, sizing.code)
        let encoder = denseStack([d, h, half], [.relu, .relu], &generator)
        let decoder = denseStack([code, half, h, d], [.relu, .relu, .linear], &generator)
        let autoencoder = VariationalAutoencoder(encoder: encoder, encodedWidth: half, latentDimension: code, decoder: decoder, generator: &generator)
        let density = estimationNetwork(input: code + 2, components: sizing.components, seed: seed, &generator)
        return try OutlierVAEGMM(network: Network(autoencoder: autoencoder, density: density), featureCount: d, configuration: configuration)
    }
}

/// `Dense(10, tanh) → Dropout(0.5) → Dense(components, softmax)`: the DAGMM paper's
/// estimation network.
func estimationNetwork(input: Int, components: Int, seed: UInt64, _ generator: inout SeededRandom) -> Sequential {
    Sequential([
        Dense(inputSize: input, outputSize: 10, activation: .tanh, generator: &generator),
        Dropout(rate: 0.5, seed: seed &+ 0xD0),
        Dense(inputSize: 10, outputSize: components, activation: .softmax, generator: &generator),
    ])
}
