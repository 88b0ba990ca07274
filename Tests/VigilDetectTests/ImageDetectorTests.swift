import Foundation
import Testing
import _TestSupport
import VigilData
@testable import VigilDetect
import VigilNN
import VigilTensor

@Suite("Convolutional image detectors")
struct ImageDetectorTests {
    @Test func imageSizingRule() throws {
        let cifar = try #require(ImageSizing(shape: ImageShape(height: 32, width: 32, channels: 3)))
        #expect(cifar.stages == 3 && cifar.encoderFilters == [64, 128, 512] && cifar.decoderFilters == [256, 64, 3] && cifar.latent == 1024)
        #expect(cifar.codeSize == (4, 4))
        let mnist = try #require(ImageSizing(shape: ImageShape(height: 28, width: 28, channels: 1)))
        #expect(mnist.stages == 2 && mnist.encoderFilters == [128, 512] && mnist.decoderFilters == [64, 1] && mnist.latent == 261)
        #expect(mnist.codeSize == (7, 7))
        #expect(ImageSizing(shape: ImageShape(height: 31, width: 32, channels: 3)) == nil)
        #expect(throws: DetectorError.self) { try OutlierVAE.imagePreset(shape: ImageShape(height: 6, width: 5, channels: 1), seed: 0) }
    }

    /// The CIFAR-10 example's network, counted by hand from REFERENCE.md's layers:
    /// Conv2D 4·4·3·64 + 64, 4·4·64·128 + 128, 4·4·128·512 + 512; two heads 8,192·1,024 + 1,024;
    /// Dense 1,024·2,048 + 2,048; Conv2DTranspose 4·4·256·128 + 256, 4·4·64·256 + 64, 4·4·3·64 + 3.
    @Test func cifarPresetIsTheExamplesNetwork() throws {
        let vae = try OutlierVAE.imagePreset(shape: ImageShape(height: 32, width: 32, channels: 3), seed: 0)
        let shapes = vae.network.namedParameters().map { "\($0.name) \($0.parameter.value.shape)" }
        #expect(shapes == [
            "encoder.layers.1.kernel [4, 4, 3, 64]", "encoder.layers.1.bias [64]", "encoder.layers.2.kernel [4, 4, 64, 128]", "encoder.layers.2.bias [128]",
            "encoder.layers.3.kernel [4, 4, 128, 512]", "encoder.layers.3.bias [512]", "mean.kernel [8192, 1024]", "mean.bias [1024]",
            "logVariance.kernel [8192, 1024]", "logVariance.bias [1024]", "decoder.layers.0.kernel [1024, 2048]", "decoder.layers.0.bias [2048]",
            "decoder.layers.2.kernel [4, 4, 256, 128]", "decoder.layers.2.bias [256]", "decoder.layers.3.kernel [4, 4, 64, 256]", "decoder.layers.3.bias [64]",
            "decoder.layers.4.kernel [4, 4, 3, 64]", "decoder.layers.4.bias [3]",
        ])
        let counts = vae.network.namedParameters().map { $0.parameter.value.count }
        let byHand: [Int] = [3_136, 131_200, 1_049_088, 2 * 8_389_632, 2_099_200, 524_544, 262_208, 3_075]
        #expect(counts.reduce(0, +) == byHand.reduce(0, +))
        // Larger images would give an encoder wider than a saved layer may be.
        #expect(throws: DetectorError.self) { try OutlierVAE.imagePreset(shape: ImageShape(height: 96, width: 96, channels: 3), seed: 0) }
        #expect(vae.featureCount == 3072 && vae.network.latentDimension == 1024 && vae.configuration.samples == 2)
        #expect(try vae.network.decoder.outputShape(forInputShape: [5, 1024]) == [5, 3072])
    }

    /// Trained on 8×8 images, saved and loaded: the same scores, bit for bit, and the
    /// convolutions and reshapes written to `config.json`.
    @Test func imagePresetRoundTripsWithIdenticalScores() throws {
        let shape = ImageShape(height: 8, width: 8, channels: 1)
        var random = SeededRandom(seed: 2)
        let images = random.uniformTensor([40, shape.valueCount])
        let detector = try OutlierVAE.imagePreset(shape: shape, seed: 1)
        _ = try detector.fit(images, options: FitOptions(epochs: 1, batchSize: 16, seed: 3, standardize: false, progress: .silent))
        try detector.inferThreshold(images, percentile: 99)
        detector.training?.imageShape = shape
        let folder = ScratchFolders.path("image-vae")
        try detector.save(to: folder)
        let loaded = try DetectorStore.load(from: folder)
        let before = try detector.score(images)
        let after = try loaded.score(images)
        #expect(after.instance == before.instance && after.feature == before.feature)
        let configFile = folder.appendingPathComponent("config.json")
        let config = try String(contentsOf: configFile, encoding: .utf8)
        #expect(config.contains("\"conv2DTranspose\"") && config.contains("\"reshape\""))
        // A saved image shape must describe the detector's rows.
        detector.training?.imageShape = ImageShape(height: 8, width: 9, channels: 1)
        let mismatched = ScratchFolders.path("image-vae-mismatched")
        try detector.save(to: mismatched)
        #expect(throws: PersistenceError.malformed(
            file: mismatched.appendingPathComponent("config.json").path,
            problem: "training.imageShape 8×9×1 (1 or 3 channels, height·width·channels = featureCount 64)")) { try DetectorStore.load(from: mismatched) }
    }
}

extension ImageDetectorTests {
    /// Scoring runs the encoder once per row and the decoder once per draw; the values are
    /// those of the repeated rows passed through the whole network.
    @Test func sampledReconstructionsMatchTheRepeatedPass() throws {
        let detector = try OutlierVAE.imagePreset(shape: ImageShape(height: 8, width: 4, channels: 2), seed: 4)
        var random = SeededRandom(seed: 5)
        let images = random.uniformTensor([6, 64])
        let epsilon = random.normalTensor([18, detector.network.latentDimension])
        let shared = detector.network.sampledReconstructions(images, samples: 3, epsilon: epsilon)
        let whole = GradientTape.withoutRecording { detector.network(Variable(repeatRows(images, 3)), epsilon: epsilon).reconstruction.value }
        #expect(shared.shape == [18, 64])
        #expect(maxRelativeDifference(shared, whole) < 1e-6)
    }
}
