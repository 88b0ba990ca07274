import VigilNN
import VigilTensor

extension DetectorChoice {
    /// The untrained detector for images of `shape`: the convolutional VAE of
    /// ``ImageSizing`` for `vae` (alibi-detect's CIFAR-10 network and score for 32×32×3);
    /// every other detector sees each image as a row of `height · width · channels` pixels
    /// with its table network.
    public func make(imageShape shape: ImageShape, seed: UInt64) throws -> any RegisteredDetector {
        guard self == .vae else { return try make(featureCount: shape.valueCount, seed: seed) }
        return try OutlierVAE.imagePreset(shape: shape, seed: seed)
    }

    /// The training of ``make(imageShape:seed:)``'s detector on `rows` images: the
    /// convolutional VAE trains as alibi-detect's CIFAR-10 example (50 epochs, batch 64,
    /// Adam 1e-3, pixels as they are); the other detectors as on a table.
    public func imagePlan(rows: Int, seed: UInt64) -> (options: FitOptions, reasons: KeyValuePairs<String, String>) {
        guard self == .vae else { return plan(rows: rows, seed: seed) }
        return (
            FitOptions(epochs: 50, batchSize: 64, learningRate: 1e-3, seed: seed, standardize: false),
            [
                "epochs": "50: alibi-detect's CIFAR-10 example (about 200 s per 50,000 images of 32×32×3 on two cores; shorten with --epochs)",
                "batch size": "64: alibi-detect's default", "learning rate": "0.001: alibi-detect's default (Adam)",
                "standardisation": "none: pixels in [0, 1] against a sigmoid output, as the example",
            ]
        )
    }

    /// Why the image network has its sizes, for `--explain`.
    public func imageSizingReasons(_ shape: ImageShape) -> [(String, String)] {
        guard self == .vae, let sizing = ImageSizing(shape: shape) else {
            return [("input", "\(shape.valueCount) pixel values per image (\(shape)), as a table")] + sizingReasons(featureCount: shape.valueCount)
        }
        return sizing.reasons
    }
}
