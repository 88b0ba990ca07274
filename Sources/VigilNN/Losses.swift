import Foundation
import VigilTensor

/// Loss functions, each returning a rank-0 ``Variable`` (the mean over the batch).
public enum Loss {
    /// `mean((ŷ − y)²)` over every element (Keras `MeanSquaredError`: the mean over
    /// features, then over the batch, which is the same number).
    public static func meanSquaredError(_ predictions: Variable, _ targets: Variable) -> Variable {
        precondition(
            predictions.shape == targets.shape,
            "meanSquaredError: predictions of shape \(predictions.shape) and targets of shape \(targets.shape)")
        let difference = predictions - targets
        return (difference * difference).mean()
    }

    /// Binary cross-entropy from logits, `mean(max(x, 0) − x·y + log(1 + e^{−|x|}))`,
    /// which equals `−mean(y·log σ(x) + (1 − y)·log(1 − σ(x)))` without overflow for any `x`.
    public static func binaryCrossEntropy(logits: Variable, targets: Variable) -> Variable {
        precondition(
            logits.shape == targets.shape,
            "binaryCrossEntropy: logits of shape \(logits.shape) and targets of shape \(targets.shape)")
        return (logits.relu() - logits * targets + (-logits.abs()).softplus()).mean()
    }
}

/// The covariance of the Gaussian likelihood in an ELBO (alibi-detect's `cov_elbo`).
public enum LikelihoodCovariance: Codable, Sendable, Equatable {
    /// `σ²·I` with the given standard deviation `σ` (`sim`; alibi's default 0.05).
    case similarity(Float)
    /// A diagonal of per-feature variances (`cov_diag`, e.g. the training data's variances).
    case diagonal([Float])
    /// A full covariance matrix, row-major `D × D` (`cov_full`).
    case full([Float])
    /// The training data's per-feature variances, computed when a detector is fitted
    /// (alibi's `cov_elbo=dict(cov_diag=None)`); resolved into ``diagonal(_:)``.
    case diagonalOfData
    /// The training data's covariance matrix, computed when a detector is fitted
    /// (alibi's `cov_elbo=dict(cov_full=None)`); resolved into ``full(_:)``.
    case fullOfData

    /// Throws unless the covariance fits `featureCount` features: `σ` finite and positive,
    /// a diagonal of `featureCount` finite positive variances, a full matrix of
    /// `featureCount²` finite values.
    public func validate(featureCount: Int) throws(ModelError) {
        switch self {
        case let .similarity(sigma):
            try ModelError.require(sigma.isFinite && sigma > 0, "likelihood σ", sigma, "must be finite and positive")
        case let .diagonal(variances):
            try ModelError.require(variances.count == featureCount, "likelihood variances", "(\(variances.count) values)", "must hold one per feature (\(featureCount))")
            if let bad = variances.firstIndex(where: { !($0.isFinite && $0 > 0) }) {
                throw .invalidArgument(name: "likelihood variance \(bad)", value: "\(variances[bad])", requirement: "must be finite and positive")
            }
        case let .full(matrix):
            try ModelError.require(matrix.count == featureCount * featureCount, "likelihood covariance", "(\(matrix.count) values)", "must be \(featureCount) × \(featureCount)")
            if let bad = matrix.firstIndex(where: { !$0.isFinite }) {
                throw .invalidArgument(name: "likelihood covariance element \(bad)", value: "\(matrix[bad])", requirement: "must be finite")
            }
        case .diagonalOfData, .fullOfData:
            break
        }
    }

    /// This covariance with the data-dependent cases computed from `data` (`[rows, D]`).
    public func resolved(with data: Tensor) -> LikelihoodCovariance {
        switch self {
        case .similarity, .diagonal, .full: return self
        case .diagonalOfData, .fullOfData:
            let d = data.shape[1]
            // tfp.stats.covariance divides by n; a tiny floor keeps constant features usable.
            let matrix = data.columnCovariance().covariance.map { Float($0) }
            if self == .fullOfData {
                return .full((0..<(d * d)).map { $0 % (d + 1) == 0 ? max(matrix[$0], 1e-6) : matrix[$0] })
            }
            return .diagonal((0..<d).map { max(matrix[$0 * d + $0], 1e-6) })
        }
    }
}

extension Loss {
    /// `−mean_n log N(xₙ; x̂ₙ, C)`, the reconstruction term of alibi-detect's `elbo`.
    ///
    /// - `similarity(σ)`: `Σ_d (x − x̂)²/(2σ²) + D·(log σ + ½ log 2π)` per row;
    /// - `diagonal(v)`: `Σ_d [(x − x̂)²/(2v_d) + ½ log v_d + ½ log 2π]`;
    /// - `full(C)`: `½‖L⁻¹(x − x̂)‖² + ½ log det C + (D/2) log 2π` with `C = LLᵀ`.
    public static func gaussianNegativeLogLikelihood(
        _ targets: Variable, _ reconstruction: Variable, covariance: LikelihoodCovariance
    ) throws -> Variable {
        precondition(targets.shape == reconstruction.shape, "gaussianNegativeLogLikelihood: \(targets.shape) vs \(reconstruction.shape)")
        let d = targets.shape[1]
        let halfLogTwoPi = Float(0.5 * Foundation.log(2 * Double.pi))
        let difference = targets - reconstruction
        switch covariance {
        case .similarity(let sigma):
            let squared = (difference * difference).sum(alongAxis: 1).mean()
            let scale: Float = 1 / (2 * sigma * sigma)
            let constant: Float = Float(d) * (Foundation.log(sigma) + halfLogTwoPi)
            return squared * scale + constant
        case .diagonal(let variances):
            precondition(variances.count == d, "gaussianNegativeLogLikelihood: \(variances.count) variances for \(d) features")
            let inverse = Tensor(shape: [d], scalars: variances.map { 1 / (2 * $0) })
            let logTerms: Float = variances.reduce(0) { $0 + 0.5 * Foundation.log($1) }
            let constant: Float = logTerms + Float(d) * halfLogTwoPi
            return (difference * difference * inverse).sum(alongAxis: 1).mean() + constant
        case .full(let matrix):
            precondition(matrix.count == d * d, "gaussianNegativeLogLikelihood: a \(matrix.count)-element covariance for \(d) features")
            let factor = try Tensor(shape: [d, d], scalars: matrix).cholesky()
            let whitened = Variable(factor).solveLowerTriangular(difference.transposed)
            var logDeterminant: Float = 0
            for i in 0..<d { logDeterminant += 2 * Foundation.log(factor.scalars[i * d + i]) }
            let constant: Float = 0.5 * logDeterminant + Float(d) * halfLogTwoPi
            return (whitened * whitened).sum(alongAxis: 0).mean() * 0.5 + constant
        case .diagonalOfData, .fullOfData:
            throw ModelError.invalidArgument(
                name: "likelihood covariance", value: "\(covariance)", requirement: "must be resolved from the training data first")
        }
    }

    /// The KL divergence of `N(μ, e^{log σ²})` from `N(0, I)` as alibi-detect adds it:
    /// `−½ · mean over batch and latent dimensions of (1 + log σ² − μ² − σ²)`.
    public static func gaussianKL(mean: Variable, logVariance: Variable) -> Variable {
        (1 + logVariance - mean * mean - logVariance.exp()).mean() * -0.5
    }
}
