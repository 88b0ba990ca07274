import Foundation
import VigilTensor

/// The Gaussian-mixture energy of DAGMM (Zong et al., 2018) as alibi-detect computes it.
///
/// From latent vectors `z` (`[N, D]`) and soft memberships `γ` (`[N, K]`, rows summing to 1):
///
///     φ_k = mean_n γ_nk,   μ_k = Σ_n γ_nk z_n / Σ_n γ_nk
///     Σ_k = Σ_n γ_nk (z_n − μ_k)(z_n − μ_k)ᵀ / Σ_n γ_nk,   L_k = cholesky(Σ_k + jitter·I)
///     E(z) = −log Σ_k φ_k · exp(−½ ‖L_k⁻¹(z − μ_k)‖²) / √((2π)^D det Σ_k)
///
/// and the covariance penalty `Σ_k Σ_d 1 / Σ_k[d, d]`.
public enum GaussianMixture {
    /// Mixture parameters, differentiable with respect to `z` and `γ` when estimated from them.
    public struct Parameters {
        public var weights: Variable  // φ, [K]
        public var means: Variable  // μ, [K, D]
        public var covariances: [Variable]  // Σ_k, [D, D] each
        public var choleskyFactors: [Variable]  // L_k
        public var logDeterminants: [Variable]  // log det(Σ_k + jitter·I), [] each

        /// Parameters from their values (or differentiable estimates): factorises every
        /// `Σ_k + jitter·I` and takes its log-determinant.
        ///
        /// A covariance that is not numerically positive definite with `jitter` (a component
        /// collapsed onto nearly identical points, in Float32) is retried with ten times the
        /// jitter, up to a millionfold; the escalation depends only on the covariance, so the
        /// same parameters always get the same factor.
        public init(weights: Variable, means: Variable, covariances: [Variable], jitter: Float) throws {
            self.weights = weights
            self.means = means
            self.covariances = covariances
            choleskyFactors = try covariances.map { covariance in
                var attempt = jitter
                for _ in 0..<(jitter > 0 ? 6 : 0) {
                    if let factor = try? covariance.cholesky(jitter: attempt) { return factor }
                    attempt *= 10
                }
                return try covariance.cholesky(jitter: attempt)
            }
            logDeterminants = choleskyFactors.map { $0.diagonal().log().sum() * 2 }
        }
    }

    /// Estimates the parameters from one batch (the training loss's estimate).
    public static func estimate(z: Variable, gamma: Variable, jitter: Float = 1e-6) throws -> Parameters {
        let n = z.shape[0]
        let k = gamma.shape[1]
        precondition(gamma.shape[0] == n, "GaussianMixture: z of shape \(z.shape) and γ of shape \(gamma.shape)")
        let totals = gamma.sum(alongAxis: 0)  // [K]
        let weights = totals * (1 / Float(n))
        let means = Variable.matmul(gamma, z, transposeA: true) / totals.reshaped([k, 1])
        let covariances = (0..<k).map { component in
            let centred = z - means.slice(alongAxis: 0, component..<(component + 1))
            let weighted = centred * gamma.slice(alongAxis: 1, component..<(component + 1))
            return Variable.matmul(weighted, centred, transposeA: true) / totals.slice(alongAxis: 0, component..<(component + 1))
        }
        return try Parameters(weights: weights, means: means, covariances: covariances, jitter: jitter)
    }

    /// The sample energies `E(z)` (`[N]`).
    public static func energy(_ z: Variable, _ parameters: Parameters) -> Variable {
        let d = z.shape[1]
        let constant = Float(d) * Float(Foundation.log(2 * Double.pi))
        var logDensities: [Variable] = []
        let identity = Variable(Tensor.identity(d))
        for (component, factor) in parameters.choleskyFactors.enumerated() {
            let centred = z - parameters.means.slice(alongAxis: 0, component..<(component + 1))
            // L⁻¹(z − μ) for all rows at once: one small solve for L⁻¹, then a matrix product.
            let inverse = factor.solveLowerTriangular(identity)  // [D, D]
            let whitened = Variable.matmul(centred, inverse, transposeB: true)  // [N, D]
            let distance = (whitened * whitened).sum(alongAxis: 1)  // [N]
            let logWeight = parameters.weights.slice(alongAxis: 0, component..<(component + 1)).log()
            let logDensity = logWeight - (distance + parameters.logDeterminants[component] + constant) * 0.5
            logDensities.append(logDensity.reshaped([-1, 1]))
        }
        return -Variable.concatenate(logDensities, alongAxis: 1).logSumExp(alongAxis: 1)
    }

    /// `Σ_k Σ_d 1 / Σ_k[d, d]`.
    public static func covariancePenalty(_ parameters: Parameters) -> Variable {
        parameters.covariances.map { (1 / $0.diagonal()).sum() }.reduce(Variable(Tensor(0)), +)
    }
}

/// Sums over batches for the mixture parameters of a whole data set: `Σγ_k`, `Σγ_k z` and
/// `Σγ_k z zᵀ` in `Double`, so the training set never has to pass through at once.
public struct GaussianMixtureAccumulator: Sendable {
    public let components: Int
    public let dimension: Int
    private var count = 0
    private var totals: [Double]
    private var firstMoments: [Double]
    private var secondMoments: [Double]

    public init(components: Int, dimension: Int) {
        self.components = components
        self.dimension = dimension
        totals = Array(repeating: 0, count: components)
        firstMoments = Array(repeating: 0, count: components * dimension)
        secondMoments = Array(repeating: 0, count: components * dimension * dimension)
    }

    /// Adds a batch of latent vectors `[N, D]` and memberships `[N, K]`.
    public mutating func add(z: Tensor, gamma: Tensor) {
        precondition(z.shape == [z.shape[0], dimension] && gamma.shape == [z.shape[0], components],
                     "GaussianMixtureAccumulator: z \(z.shape) and γ \(gamma.shape) for \(components) components of dimension \(dimension)")
        let (d, k) = (dimension, components)
        for row in 0..<z.shape[0] {
            for c in 0..<k {
                let g = Double(gamma.scalars[row * k + c])
                totals[c] += g
                for i in 0..<d {
                    let zi = Double(z.scalars[row * d + i])
                    firstMoments[c * d + i] += g * zi
                    for j in 0..<d { secondMoments[(c * d + i) * d + j] += g * zi * Double(z.scalars[row * d + j]) }
                }
            }
        }
        count += z.shape[0]
    }

    /// The parameters (as constants) of all rows added.
    public func parameters(jitter: Float = 1e-6) throws -> GaussianMixture.Parameters {
        let (d, k) = (dimension, components)
        var means = [Float](repeating: 0, count: k * d)
        var covariances: [Variable] = []
        for c in 0..<k {
            let total = max(totals[c], 1e-300)
            let mean = (0..<d).map { firstMoments[c * d + $0] / total }
            var covariance = [Float](repeating: 0, count: d * d)
            for i in 0..<d {
                means[c * d + i] = Float(mean[i])
                for j in 0..<d { covariance[i * d + j] = Float(secondMoments[(c * d + i) * d + j] / total - mean[i] * mean[j]) }
            }
            covariances.append(Variable(Tensor(shape: [d, d], scalars: covariance)))
        }
        return try GaussianMixture.Parameters(
            weights: Variable(Tensor(shape: [k], scalars: totals.map { Float($0 / Double(max(count, 1))) })),
            means: Variable(Tensor(shape: [k, d], scalars: means)), covariances: covariances, jitter: jitter)
    }
}
