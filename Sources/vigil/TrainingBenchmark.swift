import ArgumentParser
import Foundation
import VigilDetect
import VigilNN
import VigilTensor

/// Times one training epoch of the detectors of alibi-detect's KDD Cup '99 examples on
/// synthetic standardised data of the same width (18 features).
enum TrainingBenchmark {
    enum Network: String, CaseIterable, ExpressibleByArgument {
        /// OutlierAEGMM: 18→60→30→10→1→10→30→60→18, tanh (linear code and output), density
        /// net 3→10→2; MSE + energy + covariance penalty, Adam, batch 1,024.
        case aegmm
        /// 18→20→15→7→(2, 2)→7→15→20→18, relu, ELBO (σ 0.05) + KL, Adam, batch 64.
        case vae

        var batchSize: Int { self == .aegmm ? 1024 : 64 }
    }

    struct Figure: Codable {
        var network: String
        var batchSize: Int
        var threads: Int
        var rows: Int
        var secondsPerEpoch: Double
        var samplesPerSecond: Double
        /// FLOPs of the matrix products of one epoch (forward and both backward products of
        /// every dense layer), divided by the epoch's seconds.
        var achievedGigaflops: Double
        var fractionOfGemmPeak: Double
        var finalLoss: Float
    }

    /// Trains the detector's own model (`OutlierAEGMM.kddPreset`, `OutlierVAE.kddPreset`,
    /// with their whole losses) for `epochs` epochs and reports the fastest, so that a busy
    /// machine's hiccups do not make the figure.
    static func run(_ network: Network, rows: Int, epochs: Int, seed: UInt64) throws -> Figure {
        var random = SeededRandom(seed: seed)
        let data = random.normalTensor([rows, 18])
        let detector: any RegisteredDetector = network == .aegmm
            ? OutlierAEGMM.kddPreset(featureCount: 18, seed: seed) : try OutlierVAE.kddPreset(featureCount: 18, seed: seed)
        let options = FitOptions(epochs: epochs, batchSize: network.batchSize, seed: seed, standardize: false, progress: .silent)
        let history = try detector.fit(data, options: options)
        let seconds = history.epochSeconds.min()!
        let flops = 6 * Double(rows) * Double(denseMultiplyAccumulates(detector.trainedNetwork))
        return Figure(
            network: network.rawValue, batchSize: network.batchSize, threads: ComputeThreads.count, rows: rows,
            secondsPerEpoch: seconds, samplesPerSecond: Double(rows) / seconds, achievedGigaflops: flops / seconds / 1e9,
            fractionOfGemmPeak: 0, finalLoss: history.loss.last!)
    }

    /// `Σ inputSize·outputSize` over every dense layer of a network: multiply-adds per sample, forward.
    static func denseMultiplyAccumulates(_ network: (any Module)?) -> Int {
        func count(_ layer: any Layer) -> Int {
            if let dense = layer as? Dense { return dense.inputSize * dense.outputSize }
            if let sequential = layer as? Sequential { return sequential.layers.reduce(0) { $0 + count($1) } }
            return 0
        }
        return network?.namedLayers().reduce(0) { $0 + count($1.layer) } ?? 0
    }
}
