import VigilData
import VigilNN
import VigilTensor

/// The shape of the images a detector sees, each image one row of `height · width · channels`
/// values in row-major NHWC order (the order of alibi-detect's `Flatten`).
public struct ImageShape: Codable, Sendable, Equatable, CustomStringConvertible {
    public var height: Int
    public var width: Int
    public var channels: Int

    public init(height: Int, width: Int, channels: Int) {
        self.height = height
        self.width = width
        self.channels = channels
    }

    /// The shape of a set's `[n, h, w, c]` images.
    public init(of set: ImageSet) {
        self.init(height: set.images.shape[1], width: set.images.shape[2], channels: set.images.shape[3])
    }

    /// Values per image: the width of its row.
    public var valueCount: Int { height * width * channels }
    /// `[height, width, channels]`.
    public var dimensions: [Int] { [height, width, channels] }
    public var description: String { "\(height)×\(width)×\(channels)" }

    /// The name of every value of a row, `y,x,c` from the top left, in row order.
    public var pixelNames: [String] {
        (0..<height).flatMap { y in (0..<width).flatMap { x in (0..<channels).map { "\(y),\(x),\($0)" } } }
    }
}

/// The convolutional VAE Vigil builds for images of a given shape: alibi-detect's CIFAR-10
/// network for 32×32×3 and the same design scaled to other shapes.
///
/// The rule (`vigil train --explain` prints it):
/// - stride-2 stages: as many halvings (at most 3) as both height and width allow exactly,
///   so the decoder's transposed convolutions give back the image's own size;
/// - encoder: `Conv2D(f, 4×4, stride 2, same, relu)` per stage with `f` the last of
///   64, 128, 512 (three stages: 64 → 128 → 512, the example's);
/// - latent: 1,024 × (values / 3,072), within 16…1,024 (1,024 for CIFAR-10, the example's);
/// - decoder: `Dense((h/2ˢ)·(w/2ˢ)·128)` → reshape → `Conv2DTranspose(f, 4×4, stride 2, same,
///   relu)` per stage but the last with `f` the last of 256, 64, then
///   `Conv2DTranspose(channels, 4×4, stride 2, same, sigmoid)`.
public struct ImageSizing: Sendable, Equatable {
    public let shape: ImageShape
    /// The number of stride-2 stages.
    public let stages: Int
    public let encoderFilters: [Int]
    public let decoderFilters: [Int]
    public let latent: Int

    /// The sizes for `shape`; `nil` when its height or width is odd (no stage halves it exactly).
    public init?(shape: ImageShape) {
        var stages = 0
        while stages < 3 && shape.height % (2 << stages) == 0 && shape.width % (2 << stages) == 0 { stages += 1 }
        guard stages > 0 else { return nil }
        self.shape = shape
        self.stages = stages
        encoderFilters = Array([64, 128, 512].suffix(stages))
        decoderFilters = Array([256, 64].suffix(stages - 1)) + [shape.channels]
        latent = min(1024, max(16, 1024 * shape.valueCount / 3072))
    }

    /// The height and width of the code the convolutions leave.
    public var codeSize: (height: Int, width: Int) { (shape.height >> stages, shape.width >> stages) }

    /// Why each size is what it is, for `--explain`.
    public var reasons: [(String, String)] {
        let code = codeSize
        return [
            ("convolutions", "\(stages) stride-2 stages of 4×4 kernels (\(encoderFilters.map(String.init).joined(separator: " → ")) filters): as many halvings, at most 3, as \(shape.height)×\(shape.width) allows"),
            ("latent", "\(latent): 1,024 × \(shape.valueCount) values / 3,072, within 16…1,024"),
            ("decoder", "Dense(\(code.height)·\(code.width)·128) → \(decoderFilters.map(String.init).joined(separator: " → ")) channels, sigmoid output"),
        ]
    }
}

extension OutlierVAE {
    /// The convolutional VAE of ``ImageSizing`` for images of `shape` (alibi-detect's CIFAR-10
    /// example for 32×32×3), with the example's score (``imageConfiguration(seed:)``) unless
    /// `configuration` says otherwise.
    ///
    /// - Throws: ``DetectorError/invalidArgument(name:expected:actual:)`` for an odd height or
    ///   width, or an image so large that the encoder's output (`(h/2ˢ)·(w/2ˢ)·512` values)
    ///   would exceed ``InputLimits/maximumLayerUnits``, the widest layer a saved detector may have.
    public static func imagePreset(shape: ImageShape, configuration: Configuration? = nil, seed: UInt64) throws -> OutlierVAE {
        guard let sizing = ImageSizing(shape: shape) else {
            throw DetectorError.invalidArgument(name: "image shape", expected: "an even height and width (a stride-2 stage must halve them)", actual: "\(shape)")
        }
        let code = sizing.codeSize
        let encodedWidth = code.height * code.width * sizing.encoderFilters.last!
        let units = InputLimits.current.maximumLayerUnits
        guard shape.valueCount <= units, encodedWidth <= units else {
            throw DetectorError.invalidArgument(
                name: "image shape", expected: "at most \(units) values per image and from the encoder (VIGIL_MAX_LAYER_UNITS)",
                actual: "\(shape): \(shape.valueCount) values, \(encodedWidth) from the encoder")
        }
        var generator = SeededRandom(seed: seed)
        var encoderLayers: [any Layer] = [Reshape(shape.dimensions)]
        var channels = shape.channels
        for filters in sizing.encoderFilters {
            encoderLayers.append(Conv2D(
                inputChannels: channels, filters: filters, kernelSize: (4, 4), strides: (2, 2), padding: .same, activation: .relu, generator: &generator))
            channels = filters
        }
        encoderLayers.append(Reshape([encodedWidth]))
        var decoderLayers: [any Layer] = [
            Dense(inputSize: sizing.latent, outputSize: code.height * code.width * 128, generator: &generator), Reshape([code.height, code.width, 128]),
        ]
        channels = 128
        for (index, filters) in sizing.decoderFilters.enumerated() {
            let last = index == sizing.decoderFilters.count - 1
            decoderLayers.append(Conv2DTranspose(
                inputChannels: channels, filters: filters, kernelSize: (4, 4), strides: (2, 2), padding: .same,
                activation: last ? .sigmoid : .relu, generator: &generator))
            channels = filters
        }
        decoderLayers.append(Reshape([shape.valueCount]))
        // The example's order of creation: encoder, decoder, then the latent heads.
        let network = VariationalAutoencoder(
            encoder: Sequential(encoderLayers), encodedWidth: encodedWidth, latentDimension: sizing.latent, decoder: Sequential(decoderLayers),
            generator: &generator)
        return try OutlierVAE(network: network, featureCount: shape.valueCount, configuration: configuration ?? imageConfiguration(seed: seed))
    }

    /// The CIFAR-10 example's scoring and loss: `mse` over 2 samples, ELBO with `sim` 0.05;
    /// `seed` keys the scoring noise.
    public static func imageConfiguration(seed: UInt64) -> Configuration {
        Configuration(samples: 2, covariance: .similarity(0.05), seed: seed)
    }
}
