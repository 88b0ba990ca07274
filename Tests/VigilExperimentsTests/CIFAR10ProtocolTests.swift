import Foundation
import Testing
import VigilData
import VigilExperiments
import VigilTensor

@Suite("alibi-detect CIFAR-10 protocol")
struct CIFAR10ProtocolTests {
    /// Smooth 16×16 colour gradients with a little noise: what a VAE learns to reconstruct,
    /// and what N(0, 1) noise patches break more the larger they are.
    static func smoothImages(_ count: Int, seed: UInt64) -> ImageSet {
        var random = SeededRandom(seed: seed)
        var values: [Float] = []
        for _ in 0..<count {
            let (a, b, c) = (random.uniform(0.2, 0.8), random.uniform(-0.3, 0.3), random.uniform(-0.3, 0.3))
            for y in 0..<16 {
                for x in 0..<16 {
                    for channel in 0..<3 {
                        let value = a + b * Float(x) / 15 + c * Float(y) / 15 * Float(channel + 1) / 3
                        values.append(min(max(value + random.normal(mean: 0, standardDeviation: 0.01), 0), 1))
                    }
                }
            }
        }
        return ImageSet(images: Tensor(shape: [count, 16, 16, 3], scalars: values), labels: Array(repeating: 0, count: count), classNames: ["gradient"])
    }

    @Test func studyScoresRiseWithMaskSizeAndTheReportHasItsPictures() throws {
        var settings = AlibiCIFAR10Protocol.Settings(epochs: 3, trainImages: 96, seed: 2)
        settings.batchSize = 32
        settings.predictionImages = 48
        settings.studyImages = 4
        settings.masksPerSize = 5
        settings.maskSizes = [2, 6, 10]
        settings.shownImages = [0, 1]
        settings.inspectedImage = 3
        let result = try AlibiCIFAR10Protocol.run(images: Self.smoothImages(96, seed: 1), settings: settings, progress: .silent)
        #expect(result.lossHistory.count == 3 && result.lossHistory.last! < result.lossHistory.first!)
        #expect(result.meanRisesMonotonically, "\(result.meanMaskScore)")
        #expect(result.maskScores.count == 4 && result.maskScores.allSatisfy { $0.count == 3 })
        // The threshold is the 99th percentile of the clean scores: at most 1 of 48 above it.
        #expect(result.cleanScores.filter { $0 > result.threshold }.count <= 1)
        #expect(result.flaggedPerSize.last! >= result.flaggedPerSize.first!)
        // outlier_perc: 100% is the plain mean of an image's 768 feature scores, 20% the mean of
        // its top ⌈0.2 · 768⌉ = 154 (alibi-detect's rule), recomputed here from the feature scores.
        let features = result.maskedGallery.featureScores
        for copy in 0..<4 {
            let scores = Array(features[(copy * 768)..<((copy + 1) * 768)])
            let mean = scores.reduce(0, +) / 768
            let top = scores.sorted(by: >).prefix(154).reduce(0, +) / 154
            #expect(abs(result.scoresByOutlierPercentage[4][copy] - mean) <= 1e-5 * mean)
            #expect(abs(result.scoresByOutlierPercentage[0][copy] - top) <= 1e-5 * top)
        }
        // Settings that cannot run are refused before any training.
        var bad = settings
        bad.maskSizes = [16]
        #expect(throws: DataError.self) { try AlibiCIFAR10Protocol.run(images: Self.smoothImages(96, seed: 1), settings: bad, progress: .silent) }
        #expect(result.maskedGallery.shape == [4, 16, 16, 3] && result.cleanGallery.shape == [2, 16, 16, 3])
        // Same seed, same numbers.
        let again = try AlibiCIFAR10Protocol.run(images: Self.smoothImages(96, seed: 1), settings: settings, progress: .silent)
        #expect(again.meanMaskScore == result.meanMaskScore && again.threshold == result.threshold)
        let html = try ProtocolReports.cifar10(result, run: [("data", "generated")]).render()
        #expect(html.components(separatedBy: "data:image/png;base64,").count - 1 == (2 + 4) * 5)
        #expect(html.contains("Instance score against mask size") && html.contains("score by outlier_perc"))
    }

    /// The real training batches: CIFAR-10's first ten labels (checked with Python on the
    /// shared file: `[b[i * 3073] for i in range(10)]`) and pixel values in [0, 1].
    @Test func readsTheSharedTrainingBatches() throws {
        let folder = CIFAR10DataLocation.folder
        guard FileManager.default.fileExists(atPath: folder + "/data_batch_1.bin") else {
            if ProcessInfo.processInfo.environment["CI"] == "true" { Issue.record("CIFAR-10 batches missing at \(folder)") }
            else { print("skipping a real-data test: no CIFAR-10 batches at \(folder) (set VIGIL_DATA_DIR)") }
            return
        }
        let set = try CIFAR10.readTraining(folder: folder, count: 12)
        #expect(set.images.shape == [12, 32, 32, 3])
        #expect(set.labels.prefix(10) == [6, 9, 9, 4, 1, 1, 2, 7, 8, 3])
        // The first pixel's red, green and blue bytes are 59, 62 and 63.
        let expected: [Float] = [59, 62, 63].map { $0 / 255 }
        #expect(Array(set.images.scalars.prefix(3)) == expected)
        #expect(throws: DataError.self) { try CIFAR10.readTraining(folder: folder + "/missing", count: 1) }
    }
}

enum CIFAR10DataLocation {
    static var folder: String {
        let data = ProcessInfo.processInfo.environment["VIGIL_DATA_DIR"]
            ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("shared/data").path
        return data + "/cifar-10-batches-bin"
    }
}
