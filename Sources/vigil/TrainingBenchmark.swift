import ArgumentParser
import Foundation
import VigilDetect
import VigilNN
import VigilTensor

/// Times training epochs of the detectors of alibi-detect's examples on synthetic data of
/// the same shape: the KDD Cup '99 detectors (18 standardised features) and the CIFAR-10
/// convolutional VAE (32×32×3 images in [0, 1]).
enum TrainingBenchmark {
    enum Network: String, CaseIterable, ExpressibleByArgument {
        /// OutlierAEGMM: 18→60→30→10→1→10→30→60→18, tanh (linear code and output), density
        /// net 3→10→2; MSE + energy + covariance penalty, Adam, batch 1,024.
        case aegmm
        /// 18→20→15→7→(2, 2)→7→15→20→18, relu, ELBO (σ 0.05) + KL, Adam, batch 64.
        case vae
        /// The CIFAR-10 example's convolutional VAE (``OutlierVAE/imagePreset(shape:configuration:seed:)``
        /// for 32×32×3: Conv2D 64/128/512, latent 1,024, Conv2DTranspose 256/64/3), ELBO + KL, batch 64.
        case cifarVAE = "cifar-vae"

        var batchSize: Int { self == .aegmm ? 1024 : 64 }

        /// The rows of the epoch the figure is quoted for (alibi's 400,000 KDD records; CIFAR-10's 50,000 images).
        var epochRows: Int { self == .cifarVAE ? 50_000 : 400_000 }

        /// The rows timed by default: the whole epoch for KDD, 50 batches of images (an epoch
        /// of 50,000 images takes minutes; its time is the timed rows' scaled up).
        var defaultTimedRows: Int { self == .cifarVAE ? 50 * batchSize : epochRows }
    }

    struct Figure: Codable {
        var network: String
        var batchSize: Int
        var threads: Int
        /// The rows trained per timed epoch.
        var rows: Int
        /// Seconds for ``Network/epochRows`` rows, from the fastest timed epoch.
        var secondsPerEpoch: Double
        var epochRows: Int
        var samplesPerSecond: Double
        /// FLOPs of the matrix products of one epoch (forward and both backward products of
        /// every dense and convolution layer), divided by the epoch's seconds.
        var achievedGigaflops: Double
        var fractionOfGemmPeak: Double
        var finalLoss: Float
    }

    /// Trains the detector's own model (`OutlierAEGMM.kddPreset`, `OutlierVAE.kddPreset`,
    /// `OutlierVAE.imagePreset`, with their whole losses) for `epochs` epochs of `rows` rows
    /// and reports the fastest, so that a busy machine's hiccups do not make the figure.
    static func run(_ network: Network, rows: Int?, epochs: Int, seed: UInt64) throws -> Figure {
        var random = SeededRandom(seed: seed)
        let rows = rows ?? network.defaultTimedRows
        let detector: any RegisteredDetector
        let data: Tensor
        switch network {
        case .aegmm:
            detector = OutlierAEGMM.kddPreset(featureCount: 18, seed: seed)
            data = random.normalTensor([rows, 18])
        case .vae:
            detector = try OutlierVAE.kddPreset(featureCount: 18, seed: seed)
            data = random.normalTensor([rows, 18])
        case .cifarVAE:
            let shape = ImageShape(height: 32, width: 32, channels: 3)
            detector = try OutlierVAE.imagePreset(shape: shape, seed: seed)
            data = random.uniformTensor([rows, shape.valueCount])
        }
        let options = FitOptions(epochs: epochs, batchSize: network.batchSize, seed: seed, standardize: false, progress: .silent)
        let history = try detector.fit(data, options: options)
        let seconds = history.epochSeconds.min()!
        let flops = 6 * Double(rows) * Double(try multiplyAccumulates(detector.trainedNetwork, featureCount: data.shape[1]))
        return Figure(
            network: network.rawValue, batchSize: network.batchSize, threads: ComputeThreads.count, rows: rows,
            secondsPerEpoch: seconds * Double(network.epochRows) / Double(rows), epochRows: network.epochRows,
            samplesPerSecond: Double(rows) / seconds, achievedGigaflops: flops / seconds / 1e9, fractionOfGemmPeak: 0,
            finalLoss: history.loss.last!)
    }

    /// Multiply-adds per sample, forward, over every dense and convolution layer of a network.
    /// The convolutions' counts depend on the image size, so the parts are walked with their
    /// input shapes: a VAE's encoder from the row, its heads from the encoder's output, its
    /// decoder from the latent; any other network's parts from the row width their first dense layer takes.
    static func multiplyAccumulates(_ network: (any Module)?, featureCount: Int) throws -> Int {
        if let vae = network as? VariationalAutoencoder {
            let (encoder, encoded) = try walk(vae.encoder, [1, featureCount])
            let (heads, _) = try walk(vae.mean, encoded)
            let (decoder, _) = try walk(vae.decoder, [1, vae.latentDimension])
            return encoder + 2 * heads + decoder
        }
        return try network?.namedLayers().reduce(0) { total, part in
            guard let width = firstDense(part.layer)?.inputSize else { return total }
            return total + (try walk(part.layer, [1, width]).count)
        } ?? 0
    }

    private static func firstDense(_ layer: any Layer) -> Dense? {
        if let dense = layer as? Dense { return dense }
        return (layer as? Sequential)?.layers.lazy.compactMap(firstDense).first
    }

    /// The multiply-adds of `layer` on one input of `shape`, and its output shape.
    private static func walk(_ layer: any Layer, _ shape: [Int]) throws -> (count: Int, output: [Int]) {
        if let sequential = layer as? Sequential {
            var (total, current) = (0, shape)
            for part in sequential.layers {
                let (count, output) = try walk(part, current)
                (total, current) = (total + count, output)
            }
            return (total, current)
        }
        let output = try layer.outputShape(forInputShape: shape)
        switch layer {
        case let dense as Dense: return (dense.inputSize * dense.outputSize, output)
        case let conv as Conv2D: return (conv.kernel.shape.reduce(1, *) * output[1] * output[2], output)
        case let conv as Conv2DTranspose: return (conv.kernel.shape.reduce(1, *) * shape[1] * shape[2], output)
        default: return (0, output)
        }
    }
}
