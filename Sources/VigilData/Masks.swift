import VigilTensor

/// Perturbation of images by rectangular masks, as alibi-detect's `apply_mask`.
public enum ImageMask {
    /// What a mask does to the pixels under it.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// Adds `N(mean, std)` noise (one draw per mask pixel, the same on every channel).
        case normal
        /// Adds `U(low, high)` noise (one draw per mask pixel, the same on every channel).
        case uniform
        /// Sets the pixels to 0.
        case zero
    }

    /// The masked images and the masks.
    public struct Result: Sendable {
        /// `[images · masks, H, W, C]`: every mask applied to the first image, then to the
        /// second, and so on.
        public var images: Tensor
        /// `[masks, H, W, C]`: the added noise (or, for `zero`, 0 under the patch and 1 elsewhere).
        public var masks: Tensor
    }

    /// Applies `count` masks of `size` to every NHWC image.
    ///
    /// Each mask is a patch of `size` (height, width) at a random top-left corner, uniform
    /// in `0..<(H − height)` and `0..<(W − width)` as NumPy's `randint`, or at `corners`.
    /// `normal` and `uniform` noise is added on the listed `channels` and the result
    /// clipped to `clip`; `zero` multiplies the patch by 0 (no clipping).
    ///
    /// - Throws: ``DataError/invalidArgument(name:expected:actual:)`` for images that are
    ///   not NHWC, a mask larger than the image, a channel out of range, corners outside
    ///   the image, or an empty range.
    public static func apply(
        to images: Tensor, size: (height: Int, width: Int) = (4, 4), count: Int = 1, corners: [(y: Int, x: Int)]? = nil,
        channels: [Int] = [0, 1, 2], kind: Kind = .uniform, normal: (mean: Float, standardDeviation: Float) = (0, 1),
        uniform: (low: Float, high: Float) = (0, 1), clip: (low: Float, high: Float) = (0, 1), seed: UInt64
    ) throws -> Result {
        guard images.rank == 4 else {
            throw DataError.invalidArgument(name: "images", expected: "shape [n, height, width, channels]", actual: "\(images.shape)")
        }
        let (n, height, width, depth) = (images.shape[0], images.shape[1], images.shape[2], images.shape[3])
        guard size.height >= 1, size.width >= 1, size.height < height, size.width < width else {
            throw DataError.invalidArgument(name: "mask size", expected: "between 1 and below the image size \(height)×\(width)", actual: "\(size.height)×\(size.width)")
        }
        guard count >= 1 else { throw DataError.invalidArgument(name: "mask count", expected: "at least 1", actual: "\(count)") }
        guard channels.allSatisfy({ (0..<depth).contains($0) }) else {
            throw DataError.invalidArgument(name: "channels", expected: "indices below \(depth)", actual: "\(channels)")
        }
        guard clip.low <= clip.high, uniform.low <= uniform.high, normal.standardDeviation >= 0 else {
            throw DataError.invalidArgument(name: "ranges", expected: "low ≤ high and a non-negative deviation", actual: "clip \(clip), uniform \(uniform), normal \(normal)")
        }
        var generator = SeededRandom(seed: seed)
        let patch = size.height * size.width
        let noise: [Float] = (0..<(count * patch)).map { _ in
            switch kind {
            case .normal: generator.normal(mean: normal.mean, standardDeviation: normal.standardDeviation)
            case .uniform: generator.uniform(uniform.low, uniform.high)
            case .zero: 0
            }
        }
        let origins: [(y: Int, x: Int)]
        if let corners {
            guard corners.count == count else {
                throw DataError.invalidArgument(name: "corners", expected: "\(count) corners (one per mask)", actual: "\(corners.count)")
            }
            guard corners.allSatisfy({ $0.y >= 0 && $0.x >= 0 && $0.y + size.height <= height && $0.x + size.width <= width }) else {
                throw DataError.invalidArgument(name: "corners", expected: "patches inside the \(height)×\(width) image", actual: "\(corners)")
            }
            origins = corners
        } else {
            let ys = (0..<count).map { _ in generator.integer(below: height - size.height) }
            let xs = (0..<count).map { _ in generator.integer(below: width - size.width) }
            origins = Array(zip(ys, xs)).map { (y: $0.0, x: $0.1) }
        }
        var masks = Tensor(repeating: kind == .zero ? 1 : 0, shape: [count, height, width, depth])
        for (m, origin) in origins.enumerated() {
            for dy in 0..<size.height {
                for dx in 0..<size.width {
                    for channel in channels {
                        masks[m, origin.y + dy, origin.x + dx, channel] = noise[m * patch + dy * size.width + dx]
                    }
                }
            }
        }
        let imageSize = height * width * depth
        let result = Tensor(uninitializedShape: [n * count, height, width, depth]) { out in
            for image in 0..<n {
                for m in 0..<count {
                    let target = (image * count + m) * imageSize
                    for i in 0..<imageSize {
                        let pixel = images.scalars[image * imageSize + i]
                        let mask = masks.scalars[m * imageSize + i]
                        out[target + i] = kind == .zero ? pixel * mask : Swift.min(Swift.max(pixel + mask, clip.low), clip.high)
                    }
                }
            }
        }
        return Result(images: result, masks: masks)
    }
}
