import VigilNN
import VigilTensor

// The architectures of alibi-detect's KDD Cup '99 examples.

func denseStack(_ sizes: [Int], _ activations: [Activation], _ generator: inout SeededRandom) -> Sequential {
    Sequential((0..<(sizes.count - 1)).map { index in
        Dense(inputSize: sizes[index], outputSize: sizes[index + 1], activation: activations[index], generator: &generator)
    })
}

extension OutlierVAE {
    /// The KDD example: encoder `Dense(20, relu) → Dense(15, relu) → Dense(7, relu)`, latent 2,
    /// decoder `Dense(7, relu) → Dense(15, relu) → Dense(20, relu) → Dense(features)`.
    /// `hiddenActivation` and `latentDimension` change the hidden layers' activation and the
    /// latent size (alibi-detect's: relu and 2); ``kddRecommendedPreset(featureCount:seed:)``
    /// is the variant Vigil recommends.
    public static func kddPreset(
        featureCount: Int = 18, hiddenActivation: Activation = .relu, latentDimension: Int = 2,
        configuration: Configuration = Configuration(), seed: UInt64
    ) throws -> OutlierVAE {
        guard latentDimension >= 1 else {
            throw DetectorError.invalidArgument(name: "latentDimension", expected: "at least 1", actual: "\(latentDimension)")
        }
        var generator = SeededRandom(seed: seed)
        let hidden = [Activation](repeating: hiddenActivation, count: 3)
        let encoder = denseStack([featureCount, 20, 15, 7], hidden, &generator)
        let decoder = denseStack([latentDimension, 7, 15, 20, featureCount], hidden + [.linear], &generator)
        let network = VariationalAutoencoder(
            encoder: encoder, encodedWidth: 7, latentDimension: latentDimension, decoder: decoder, generator: &generator)
        return try OutlierVAE(network: network, featureCount: featureCount, configuration: configuration)
    }

    /// The VAE Vigil recommends for alibi-detect's KDD view: the example's layer widths with
    /// tanh hidden layers and a 3-wide latent, scored by the likelihood with a learnt
    /// variance per feature (``ScoreType/learnedVariance``), with the example's 5 latent
    /// samples and ELBO `sim` 0.01 (``Configuration/kddExample(scoreType:seed:)``).
    ///
    /// With relu, the decoder extrapolates linearly and rebuilds the far-out `smurf.` records
    /// (`srv_count` ≈ 511, 23 standard deviations out) about as well as the upper tail of
    /// normal traffic, so alibi's 95th-percentile threshold lands on one side or the other of
    /// that block depending on the seed; a tanh decoder saturates and cannot. README gives
    /// its F1 on alibi's protocol beside the faithful VAE's, seed by seed.
    public static func kddRecommendedPreset(featureCount: Int = 18, seed: UInt64) throws -> OutlierVAE {
        try kddPreset(
            featureCount: featureCount, hiddenActivation: .tanh, latentDimension: 3,
            configuration: .kddExample(scoreType: .learnedVariance, seed: seed), seed: seed)
    }
}

extension OutlierVAE.Configuration {
    /// The KDD example's settings: 5 latent samples and ELBO `sim` 0.01 (alibi-detect's
    /// constructor defaults, and this type's, are 10 and 0.05), with `scoreType` (the
    /// example's: `mse`).
    public static func kddExample(scoreType: OutlierVAE.ScoreType = .meanSquaredError, seed: UInt64) -> Self {
        Self(scoreType: scoreType, samples: 5, covariance: .similarity(0.01), seed: seed)
    }
}

extension OutlierVAEGMM.Configuration {
    /// The KDD example's settings: ELBO `sim` 0.0025 (alibi-detect's default 0.05) and 10
    /// latent samples, with `features` (the example's: alibi's).
    public static func kddExample(seed: UInt64, features: ReconstructionFeatureStyle = .alibi) -> Self {
        Self(covariance: .similarity(0.0025), samples: 10, seed: seed, features: features)
    }
}

extension OutlierAEGMM {
    /// The KDD example: encoder `60 → 30 → 10 (tanh) → 1`, mirror decoder to `features`,
    /// density net `Dense(10, tanh) → Dense(2, softmax)` on the 3-wide `z`.
    public static func kddPreset(featureCount: Int = 18, configuration: Configuration = Configuration(), seed: UInt64) -> OutlierAEGMM {
        var generator = SeededRandom(seed: seed)
        let encoder = denseStack([featureCount, 60, 30, 10, 1], [.tanh, .tanh, .tanh, .linear], &generator)
        let decoder = denseStack([1, 10, 30, 60, featureCount], [.tanh, .tanh, .tanh, .linear], &generator)
        let density = denseStack([3, 10, 2], [.tanh, .softmax], &generator)
        return OutlierAEGMM(network: Network(encoder: encoder, decoder: decoder, density: density), featureCount: featureCount, configuration: configuration)
    }
}

extension OutlierAEGMM {
    /// The DAGMM paper's settings: its reconstruction features
    /// `[‖x − x̂‖/‖x‖, cos(x, x̂)]` and jitter 1e-8; energy and covariance weights 0.1 and 0.005.
    public static let dagmmConfiguration = Configuration(jitter: 1e-8, features: .paper)

    /// The DAGMM paper's KDDCUP network (Zong et al. 2018, §4.3): encoder
    /// `60 → 30 → 10 (tanh) → 1`, mirror decoder, estimation network `Dense(10, tanh) →
    /// Dropout(0.5) → Dense(4, softmax)` on `z = [code, ‖x − x̂‖/‖x‖, cos(x, x̂)]`, jitter 1e-8.
    public static func dagmmPreset(featureCount: Int, seed: UInt64) -> OutlierAEGMM {
        var generator = SeededRandom(seed: seed)
        let encoder = denseStack([featureCount, 60, 30, 10, 1], [.tanh, .tanh, .tanh, .linear], &generator)
        let decoder = denseStack([1, 10, 30, 60, featureCount], [.tanh, .tanh, .tanh, .linear], &generator)
        let density = estimationNetwork(input: 3, components: 4, seed: seed, &generator)
        return OutlierAEGMM(
            network: .init(encoder: encoder, decoder: decoder, density: density), featureCount: featureCount,
            configuration: dagmmConfiguration)
    }
}

extension OutlierVAEGMM {
    /// The KDD example: the VAE preset's networks (latent 2) and density net
    /// `Dense(10, relu) → Dense(2, softmax)` on the 4-wide `z` (relu, where the AEGMM
    /// example's density net is tanh).
    public static func kddPreset(featureCount: Int = 18, configuration: Configuration = Configuration(), seed: UInt64) throws -> OutlierVAEGMM {
        var generator = SeededRandom(seed: seed)
        let encoder = denseStack([featureCount, 20, 15, 7], [.relu, .relu, .relu], &generator)
        let decoder = denseStack([2, 7, 15, 20, featureCount], [.relu, .relu, .relu, .linear], &generator)
        let autoencoder = VariationalAutoencoder(encoder: encoder, encodedWidth: 7, latentDimension: 2, decoder: decoder, generator: &generator)
        let density = denseStack([4, 10, 2], [.relu, .softmax], &generator)
        return try OutlierVAEGMM(network: Network(autoencoder: autoencoder, density: density), featureCount: featureCount, configuration: configuration)
    }
}
