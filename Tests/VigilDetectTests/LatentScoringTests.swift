import Testing
@testable import VigilDetect
import VigilNN
import VigilTensor

@Suite struct LatentScoringTests {
    /// `--latent mean` scores one pass with z = μ: the squared error of decoder(mean(encoder(x))),
    /// whatever the configured samples; the sampled default stays a different, noisy estimate.
    @Test func theMeanModeScoresTheLatentMeanExactly() throws {
        let detector = try OutlierVAE.kddPreset(featureCount: 6, configuration: .init(samples: 7), seed: 4)
        var generator = SeededRandom(seed: 9)
        let rows = generator.normalTensor([12, 6])
        let sampled = try detector.scoreModelInput(rows)
        detector.latentScoring = .mean
        let mean = try detector.scoreModelInput(rows)
        let network = detector.network
        let reconstruction = GradientTape.withoutRecording { network.decoder(network.mean(network.encoder(Variable(rows)))).value }
        let expected = (rows - reconstruction).pow(2)
        #expect(mean.feature?.scalars == expected.scalars)
        #expect(mean.instance == instanceScores(expected, percentage: 100))
        #expect(sampled.instance != mean.instance)
        detector.configuration.samples = 1
        #expect(try detector.scoreModelInput(rows).instance == mean.instance)
    }

    @Test func theMixtureModeFeedsTheLatentMeanToTheMixture() throws {
        let detector = try OutlierVAEGMM.kddPreset(featureCount: 6, configuration: .init(samples: 5), seed: 2)
        var generator = SeededRandom(seed: 3)
        let rows = generator.normalTensor([40, 6])
        _ = try detector.fit(rows, options: FitOptions(epochs: 1, batchSize: 20, learningRate: 1e-3, seed: 1, standardize: false, progress: .silent))
        let sampled = try detector.scoreModelInput(rows).instance
        detector.latentScoring = .mean
        let first = try detector.scoreModelInput(rows).instance
        // The energy of z = [μ, features(x, decoder(μ))]: the pass with ε = 0.
        let mixture = try #require(detector.mixture)
        let z = GradientTape.withoutRecording {
            detector.network.forward(Variable(rows), epsilon: Tensor(zeros: [40, detector.network.autoencoder.latentDimension])).z
        }
        #expect(first == GaussianMixture.energy(z, mixture).value.scalars)
        detector.configuration.samples = 2
        #expect(try detector.scoreModelInput(rows).instance == first)
        #expect(first != sampled && first.allSatisfy(\.isFinite))
    }
}
