import Testing
@testable import VigilDetect
import VigilNN
import VigilTensor

@Suite struct KDDRecommendedVAETests {
    private func hiddenActivations(_ stack: Sequential) -> [Activation] {
        stack.layers.compactMap { ($0 as? Dense)?.activation }
    }

    /// The network `kddPreset` documents, built here layer by layer from the same seed in the
    /// documented order (encoder, decoder, then the mean and log-variance heads).
    private func handBuilt(seed: UInt64, activation: Activation, latent: Int) -> [[Float]] {
        var generator = SeededRandom(seed: seed)
        let widths = [(18, 20), (20, 15), (15, 7), (latent, 7), (7, 15), (15, 20), (20, 18), (7, latent), (7, latent)]
        return widths.enumerated().map { index, width in
            let layerActivation: Activation = index == 6 || index >= 7 ? .linear : activation
            return Dense(inputSize: width.0, outputSize: width.1, activation: layerActivation, generator: &generator).kernel.value.scalars
        }
    }

    private func kernels(_ detector: OutlierVAE) -> [[Float]] {
        let network = detector.network
        return (network.encoder.layers + network.decoder.layers).compactMap { ($0 as? Dense)?.kernel.value.scalars }
            + [network.mean.kernel.value.scalars, network.logVariance.kernel.value.scalars]
    }

    /// The faithful preset is alibi's example network — relu hidden layers, a 2-wide latent —
    /// with the weights of the documented draw order, and the example's settings.
    @Test func theFaithfulPresetKeepsAlibisNetwork() throws {
        let detector = try OutlierVAE.kddPreset(featureCount: 18, configuration: .kddExample(seed: 0), seed: 7)
        #expect(hiddenActivations(detector.network.encoder) == [.relu, .relu, .relu])
        #expect(hiddenActivations(detector.network.decoder) == [.relu, .relu, .relu, .linear])
        #expect(kernels(detector) == handBuilt(seed: 7, activation: .relu, latent: 2))
        #expect(detector.configuration.scoreType == .meanSquaredError)
        #expect(detector.configuration.samples == 5 && detector.configuration.covariance == .similarity(0.01))
        #expect(throws: DetectorError.invalidArgument(name: "latentDimension", expected: "at least 1", actual: "0")) {
            try OutlierVAE.kddPreset(latentDimension: 0, seed: 0)
        }
    }

    /// The recommended preset: the same widths with tanh hidden layers, a 3-wide latent and the
    /// `nll` score, with the example's 5 samples and `sim` 0.01.
    @Test func theRecommendedPresetUsesTanhAThreeWideLatentAndTheLikelihood() throws {
        let detector = try OutlierVAE.kddRecommendedPreset(seed: 3)
        #expect(hiddenActivations(detector.network.encoder) == [.tanh, .tanh, .tanh])
        #expect(hiddenActivations(detector.network.decoder) == [.tanh, .tanh, .tanh, .linear])
        #expect(kernels(detector) == handBuilt(seed: 3, activation: .tanh, latent: 3))
        #expect(detector.configuration == .kddExample(scoreType: .learnedVariance, seed: 3))
        #expect(detector.configuration.samples == 5 && detector.configuration.covariance == .similarity(0.01))
    }

    /// A tight block of records 15 standard deviations out on one feature (KDD's `smurf.` rows
    /// sit 23 out on `srv_count`): the recommended VAE, trained on normal rows, scores every
    /// record of it above twice the 99th percentile of held-out normal rows, and the
    /// 95th-percentile threshold flags all of them. (At this size a relu network does too;
    /// the seed-dependence it shows on KDD is measured on alibi's protocol, README.)
    @Test func aFarOutBlockScoresAboveTheNormalTail() throws {
        var generator = SeededRandom(seed: 21)
        let normal = generator.normalTensor([600, 6])
        let heldOut = generator.normalTensor([200, 6])
        var block = generator.normalTensor([20, 6]).scalars
        for row in 0..<20 { block[row * 6] = 15 + 0.01 * Float(row) }
        let detector = try OutlierVAE.kddRecommendedPreset(featureCount: 6, seed: 4)
        _ = try detector.fit(normal, options: FitOptions(epochs: 15, batchSize: 64, learningRate: 1e-3, seed: 5, progress: .silent))
        try detector.inferThreshold(normal, percentile: 95)
        let normalScores = try detector.score(heldOut).instance.sorted()
        let blockScores = try detector.score(Tensor(shape: [20, 6], scalars: block)).instance
        #expect(blockScores.allSatisfy(\.isFinite) && normalScores.allSatisfy(\.isFinite))
        let normalTail = normalScores[197]
        #expect(try #require(blockScores.min()) > 2 * normalTail, "block \(blockScores.min() ?? .nan) vs normal 99th \(normalTail)")
        let threshold = try #require(detector.threshold).value
        #expect(blockScores.allSatisfy { $0 > threshold })
    }
}
