import Foundation
import VigilData
import VigilDetect
import VigilNN
import VigilTensor

/// alibi-detect's CIFAR-10 outlier-detection example, run end to end: the convolutional VAE
/// (``OutlierVAE/imagePreset(shape:configuration:seed:)``), trained on clean training images,
/// probed with noise patches of growing size.
///
/// - Train: the first `trainImages` of the 50,000 training images in [0, 1], ELBO with
///   `cov_elbo` sim 0.05, Adam 1e-3, batch 64 (alibi's default), 50 epochs by default.
/// - Threshold: the 99th percentile of the instance scores of `X_train[:500]`, the clean
///   images the example predicts (its notebook sets 0.015 by hand; both are reported).
/// - Study (the example's): for the first 50 images and mask sizes 2×2 … 20×20, 20 masks of
///   `normal` noise N(0, 1), clipped to [0, 1]; the mean instance score per image and size,
///   the share of masked images above the threshold per size; one image's masked copies
///   (one mask per size) scored from the top 20/40/60/80/100 % of its feature scores.
public enum AlibiCIFAR10Protocol {
    /// The settings of a run, with the example's defaults.
    public struct Settings: Codable, Sendable, Equatable {
        public var epochs = 50
        public var trainImages = 50_000
        public var batchSize = 64
        public var seed: UInt64 = 0
        /// The clean images predicted (`X_train[:500]`).
        public var predictionImages = 500
        /// The images of the mask study (the first 50).
        public var studyImages = 50
        /// Square mask sizes (2, 4, …, 20).
        public var maskSizes = Array(stride(from: 2, through: 20, by: 2))
        public var masksPerSize = 20
        public var thresholdPercentile = 99.0
        /// The image whose masked copies are shown and scored by `outlier_perc` (the example's 8).
        public var inspectedImage = 8
        public var outlierPercentages: [Double] = [20, 40, 60, 80, 100]
        /// The clean images whose reconstructions and feature scores the report shows (the example's).
        public var shownImages = [8, 60, 100, 330]

        public init(epochs: Int = 50, trainImages: Int = 50_000, seed: UInt64 = 0) {
            self.epochs = epochs
            self.trainImages = trainImages
            self.seed = seed
        }

        /// Checks the settings against images of `shape` before anything is trained.
        ///
        /// - Throws: ``DataError/invalidArgument(name:expected:actual:)`` naming the setting.
        public func validate(for shape: [Int]) throws {
            func require(_ condition: Bool, _ name: String, _ expected: String, _ actual: String) throws {
                if !condition { throw DataError.invalidArgument(name: name, expected: expected, actual: actual) }
            }
            try require(shape.count == 4 && shape.allSatisfy { $0 >= 1 }, "images", "shape [n, height, width, channels]", "\(shape)")
            let needed = [trainImages, predictionImages, studyImages, (shownImages.max() ?? 0) + 1, inspectedImage + 1].max()!
            try require(shape[0] >= needed, "images", "at least \(needed) images (the settings use that many)", "\(shape[0])")
            try require(epochs >= 1 && batchSize >= 1 && trainImages >= 1, "training", "epochs, batch size and images ≥ 1", "\(epochs), \(batchSize), \(trainImages)")
            try require(predictionImages >= 1 && studyImages >= 1 && masksPerSize >= 1, "study", "prediction images, study images and masks per size ≥ 1", "\(predictionImages), \(studyImages), \(masksPerSize)")
            try require(
                !maskSizes.isEmpty && maskSizes.allSatisfy { $0 >= 1 && $0 < min(shape[1], shape[2]) }, "mask sizes",
                "at least one, each between 1 and below the image's \(shape[1])×\(shape[2])", "\(maskSizes)")
            try require((0...100).contains(thresholdPercentile), "threshold percentile", "in [0, 100]", "\(thresholdPercentile)")
            try require(!outlierPercentages.isEmpty && outlierPercentages.allSatisfy { $0 > 0 && $0 <= 100 }, "outlier percentages", "in (0, 100]", "\(outlierPercentages)")
            try require(shownImages.allSatisfy { $0 >= 0 } && inspectedImage >= 0, "shown images", "non-negative indices", "\(shownImages), \(inspectedImage)")
        }
    }

    /// Images with their reconstructions and feature scores, each `[n, h, w, c]` flattened.
    public struct Gallery: Codable, Sendable {
        public var shape: [Int]
        public var images: [Float]
        public var reconstructions: [Float]
        public var featureScores: [Float]
        public var instanceScores: [Float]
        public var labels: [String]
    }

    /// What one run measured.
    public struct Result: Codable, Sendable {
        public var settings: Settings
        public var threshold: Float
        /// The example notebook's hand-set threshold, for comparison.
        public var exampleThreshold: Float = 0.015
        public var lossHistory: [Float]
        public var fitSecondsPerEpoch: Double
        /// Seconds per 50,000-image epoch at the measured speed.
        public var secondsPer50kEpoch: Double
        public var scoringImagesPerSecond: Double
        /// Instance scores of the clean prediction images.
        public var cleanScores: [Float]
        /// Mean instance score over the masks, `[image][size]`.
        public var maskScores: [[Float]]
        /// The mean over images of ``maskScores`` per size.
        public var meanMaskScore: [Float]
        /// The share of masked images above ``threshold`` (and above ``exampleThreshold``) per size.
        public var flaggedPerSize: [Double]
        public var flaggedPerSizeAtExampleThreshold: [Double]
        /// Whether ``meanMaskScore`` rises with every step in mask size.
        public var meanRisesMonotonically: Bool
        /// Instance scores of the inspected image's copies (clean, then one mask per size) by
        /// `outlier_perc`: `[percentage][copy]`.
        public var scoresByOutlierPercentage: [[Float]]
        public var cleanGallery: Gallery
        public var maskedGallery: Gallery
    }

    /// The detector of the protocol, for `images` of `shape`.
    public static func makeDetector(shape: ImageShape, seed: UInt64) throws -> OutlierVAE {
        try OutlierVAE.imagePreset(shape: shape, seed: seed)
    }

    /// Runs the protocol on CIFAR-10's training images (`[n, 32, 32, 3]` in [0, 1]).
    ///
    /// - Throws: ``DataError/invalidArgument(name:expected:actual:)`` when there are fewer
    ///   images than the settings use.
    public static func run(images set: ImageSet, settings: Settings, progress: ProgressStyle = .automatic) throws -> Result {
        let images = set.images
        try settings.validate(for: images.shape)
        let count = images.shape[0]
        let shape = ImageShape(height: images.shape[1], width: images.shape[2], channels: images.shape[3])
        let channels = Array(0..<shape.channels)
        let rows = images.reshaped([count, shape.valueCount])
        let detector = try makeDetector(shape: shape, seed: settings.seed)
        let options = FitOptions(
            epochs: settings.epochs, batchSize: settings.batchSize, learningRate: 1e-3, seed: settings.seed, standardize: false, progress: progress)
        let history = try detector.fit(rows.slice(alongAxis: 0, 0..<settings.trainImages), options: options)

        let clean = rows.slice(alongAxis: 0, 0..<settings.predictionImages)
        let start = ContinuousClock.now
        let cleanScores = try detector.score(clean)
        let scoringRate = Double(settings.predictionImages) / (ContinuousClock.now - start).inSeconds
        try detector.inferThreshold(clean, percentile: settings.thresholdPercentile)
        let threshold = detector.threshold!.value

        // The study: every image of the study masked `masksPerSize` times per size.
        var maskScores = [[Float]](repeating: [], count: settings.studyImages)
        var flagged = [Int](repeating: 0, count: settings.maskSizes.count)
        var flaggedAtExample = flagged
        let perSize = settings.masksPerSize
        for image in 0..<settings.studyImages {
            // Every size's masks of one image scored in one call (batches of hundreds of images
            // use the products far better than the example's 20 at a time).
            let original = images.slice(alongAxis: 0, image..<(image + 1))
            let masked = try settings.maskSizes.enumerated().map { index, size in
                try ImageMask.apply(
                    to: original, size: (size, size), count: perSize, channels: channels, kind: .normal, normal: (0, 1), clip: (0, 1),
                    seed: settings.seed &+ UInt64(image * 1_000 + index)).images
            }
            let scores = try detector.score(Tensor.concatenate(masked, alongAxis: 0).reshaped([perSize * masked.count, shape.valueCount])).instance
            for index in settings.maskSizes.indices {
                let sizeScores = scores[(index * perSize)..<((index + 1) * perSize)]
                maskScores[image].append(sizeScores.reduce(0, +) / Float(perSize))
                flagged[index] += sizeScores.filter { $0 > threshold }.count
                flaggedAtExample[index] += sizeScores.filter { $0 > 0.015 }.count
            }
        }
        let meanMaskScore = (0..<settings.maskSizes.count).map { size in maskScores.map { $0[size] }.reduce(0, +) / Float(settings.studyImages) }
        let masked = Double(settings.studyImages * settings.masksPerSize)

        // The inspected image, clean and with one mask of each size.
        let inspected = images.slice(alongAxis: 0, settings.inspectedImage..<(settings.inspectedImage + 1))
        var copies = [inspected]
        for (index, size) in settings.maskSizes.enumerated() {
            copies.append(try ImageMask.apply(
                to: inspected, size: (size, size), count: 1, channels: channels, kind: .normal, normal: (0, 1), clip: (0, 1),
                seed: settings.seed &+ 0xC0FFEE &+ UInt64(index)).images)
        }
        let copyImages = Tensor.concatenate(copies, alongAxis: 0)
        let copyLabels = ["clean"] + settings.maskSizes.map { "\($0)×\($0) mask" }
        let maskedGallery = try gallery(detector, copyImages, labels: copyLabels)
        let featureScores = Tensor(shape: [copies.count, shape.valueCount], scalars: maskedGallery.featureScores)
        let byPercentage = settings.outlierPercentages.map { instanceScores(featureScores, percentage: $0) }

        let shown = rows.gatherRows(settings.shownImages).reshaped([settings.shownImages.count] + shape.dimensions)
        let cleanGallery = try gallery(detector, shown, labels: settings.shownImages.map { "image \($0) (\(set.classNames.isEmpty ? "" : set.classNames[set.labels[$0]]))" })
        let epochSeconds = history.epochSeconds.reduce(0, +) / Double(max(history.epochSeconds.count, 1))
        return Result(
            settings: settings, threshold: threshold, lossHistory: history.loss, fitSecondsPerEpoch: epochSeconds,
            secondsPer50kEpoch: epochSeconds * 50_000 / Double(settings.trainImages), scoringImagesPerSecond: scoringRate,
            cleanScores: cleanScores.instance, maskScores: maskScores, meanMaskScore: meanMaskScore,
            flaggedPerSize: flagged.map { Double($0) / masked }, flaggedPerSizeAtExampleThreshold: flaggedAtExample.map { Double($0) / masked },
            meanRisesMonotonically: zip(meanMaskScore, meanMaskScore.dropFirst()).allSatisfy { $0 < $1 },
            scoresByOutlierPercentage: byPercentage, cleanGallery: cleanGallery, maskedGallery: maskedGallery)
    }

    /// `images` (`[n, h, w, c]`) with the detector's reconstructions (decoded latent means)
    /// and feature scores.
    static func gallery(_ detector: OutlierVAE, _ images: Tensor, labels: [String]) throws -> Gallery {
        let rows = images.reshaped([images.shape[0], detector.featureCount])
        let scores = try detector.score(rows)
        return Gallery(
            shape: images.shape, images: images.scalars, reconstructions: try detector.reconstruct(rows).scalars,
            featureScores: scores.feature!.scalars, instanceScores: scores.instance, labels: labels)
    }
}
