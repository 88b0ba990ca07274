import VigilData
import VigilNN
import VigilTensor

/// A detector that reconstructs its input (autoencoders, PCA), so its feature scores can be
/// explained by the original and the reconstructed value of each feature.
public protocol ReconstructingDetector: OutlierDetector {
    /// The reconstruction of model input (standardised when the detector standardises).
    func reconstructModelInput(_ data: Tensor) throws -> Tensor
}

extension ReconstructingDetector {
    /// The reconstruction of raw data, in the data's own units (the variational models
    /// decode the latent mean, so it is deterministic).
    public func reconstruct(_ data: Tensor) throws -> Tensor {
        let input = try modelInput(data)
        let output = try GradientTape.withoutRecording { try reconstructModelInput(input) }
        return try standardizer?.inverseTransform(output) ?? output
    }
}

extension OutlierAE: ReconstructingDetector {
    public func reconstructModelInput(_ data: Tensor) throws -> Tensor { network(Variable(data)).value }
}

extension OutlierVAE: ReconstructingDetector {
    public func reconstructModelInput(_ data: Tensor) throws -> Tensor {
        network.decoder(network.mean(network.encoder(Variable(data)))).value
    }
}

extension PCADetector: ReconstructingDetector {
    public func reconstructModelInput(_ data: Tensor) throws -> Tensor {
        guard let mean, let components else {
            throw DetectorError.invalidArgument(name: "PCA", expected: "a fitted detector", actual: "no components; call fit")
        }
        return Tensor.matmul(Tensor.matmul(data - mean, components, transposeB: true), components) + mean
    }
}

extension OutlierAEGMM {
    /// The mixture's input `z` for raw data: the code and the two reconstruction features,
    /// `[rows, code + 2]` (what alibi-detect's AEGMM example plots).
    public func latent(_ data: Tensor) throws -> Tensor {
        let input = try modelInput(data)
        return GradientTape.withoutRecording { network.forward(Variable(input)).z.value }
    }
}
