import VigilTensor

/// How a variational detector (``OutlierVAE``, ``OutlierVAEGMM``) draws its latent code
/// when it scores.
///
/// alibi-detect scores with `samples` draws `z = μ + σ·ε` per instance; Vigil keys the
/// noise to the row (``rowKeyedNoise(_:samples:width:seed:)``), so its sampled scores are
/// reproducible but still a Monte-Carlo estimate. ``mean`` scores one pass with `z = μ`
/// (`ε = 0`): what an exported ONNX graph computes by default, so the two can be compared
/// exactly. The threshold a detector stores was inferred from sampled scores.
public enum LatentScoring: String, Sendable, CaseIterable, Codable {
    /// `samples` draws per instance (alibi-detect's scoring; the default).
    case sampled
    /// One draw with `z = μ`.
    case mean

    /// The draws per instance for a detector configured with `samples`.
    func draws(_ samples: Int) -> Int { self == .mean ? 1 : samples }

    /// The noise `ε` for `draws(samples)` draws of every row of `data`: row-keyed
    /// (`[rows · samples, width]`), or zeros for ``mean``.
    func noise(_ data: Tensor, samples: Int, width: Int, seed: UInt64) -> Tensor {
        switch self {
        case .sampled: rowKeyedNoise(data, samples: samples, width: width, seed: seed)
        case .mean: Tensor(zeros: [data.shape[0], width])
        }
    }
}

/// A detector whose scores depend on latent draws, so a caller can choose ``LatentScoring``.
public protocol VariationalScoring: OutlierDetector {
    var latentScoring: LatentScoring { get set }
}

extension OutlierVAE: VariationalScoring {}
extension OutlierVAEGMM: VariationalScoring {}
