import Testing
@testable import VigilDetect
import VigilNN
import VigilTensor

@Suite struct KDDRecommendedVAETests {
    private func hiddenActivations(_ stack: Sequential) -> [Activation] {
        stack.layers.compactMap { ($0 as? Dense)?.activation }
    }

    /// The faithful preset is alibi's example network: relu hidden layers, a 2-wide latent, `mse`.
    @Test func theFaithfulPresetKeepsAlibisNetwork() throws {
        let detector = try OutlierVAE.kddPreset(featureCount: 18, seed: 0)
        #expect(hiddenActivations(detector.network.encoder) == [.relu, .relu, .relu])
        #expect(hiddenActivations(detector.network.decoder) == [.relu, .relu, .relu, .linear])
        #expect(detector.network.latentDimension == 2)
        #expect(detector.configuration.scoreType == .meanSquaredError)
    }

    /// The recommended preset: the same widths with tanh hidden layers, a 3-wide latent and the
    /// `nll` score, 5 samples, `sim` 0.01 — and the same seed gives the same network.
    @Test func theRecommendedPresetUsesTanhAThreeWideLatentAndTheLikelihood() throws {
        let detector = try OutlierVAE.kddRecommendedPreset(seed: 3)
        #expect(hiddenActivations(detector.network.encoder) == [.tanh, .tanh, .tanh])
        #expect(hiddenActivations(detector.network.decoder) == [.tanh, .tanh, .tanh, .linear])
        #expect(detector.network.encoder.layers.compactMap { ($0 as? Dense)?.outputSize } == [20, 15, 7])
        #expect(detector.network.decoder.layers.compactMap { ($0 as? Dense)?.outputSize } == [7, 15, 20, 18])
        #expect(detector.network.latentDimension == 3)
        #expect(detector.configuration.scoreType == .learnedVariance)
        #expect(detector.configuration.samples == 5)
        #expect(detector.configuration.covariance == .similarity(0.01))
        #expect(detector.configuration.seed == 3)
        let again = try OutlierVAE.kddRecommendedPreset(seed: 3)
        #expect(again.network.decoder.layers.compactMap { ($0 as? Dense)?.kernel.value.scalars }
            == detector.network.decoder.layers.compactMap { ($0 as? Dense)?.kernel.value.scalars })
    }

    /// A tight block of records far out on one feature (KDD's `smurf.` rows sit 23 standard
    /// deviations out on `srv_count`): the saturating decoder cannot rebuild it, so every
    /// record of the block scores above the 99th percentile of held-out normal rows, and the
    /// 95th-percentile threshold flags all of them.
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
