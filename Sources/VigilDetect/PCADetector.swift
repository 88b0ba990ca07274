import Foundation
import VigilData
import VigilNN
import VigilTensor

/// Principal-component outlier detection (deepad's PCA model): an instance's score is
/// the mean squared error of its reconstruction from the top principal components of the
/// training data; the feature scores are the squared errors.
///
/// Fitting centres the data, forms the sample covariance in `Double` and diagonalises it with
/// cyclic Jacobi rotations (exact for the small feature counts of tabular data), then keeps
/// the leading components — a fixed number, or as many as explain a share of the variance.
public final class PCADetector: OutlierDetector {
    public static let kind = "PCA"

    /// How many components to keep.
    public enum Components: Codable, Sendable, Equatable {
        /// Exactly this many (deepad uses 2).
        case count(Int)
        /// The fewest whose eigenvalues explain at least this share of the variance, but at
        /// most `features − 1` (all of them would reconstruct every row exactly, and score nothing).
        case explainedVariance(Double)
    }

    public struct Configuration: Codable, Sendable, Equatable {
        public var components: Components
        public init(components: Components = .count(2)) { self.components = components }
    }

    public var configuration: Configuration
    public let featureCount: Int
    public var standardizer: Standardizer?
    public var threshold: Threshold?
    public var training: TrainingRecord?
    /// The training mean, `[features]`.
    public private(set) var mean: Tensor?
    /// The kept components as rows, `[k, features]`, largest variance first.
    public private(set) var components: Tensor?
    /// Every eigenvalue of the training covariance, largest first.
    public private(set) var eigenvalues: [Double] = []

    public init(featureCount: Int, configuration: Configuration = Configuration()) throws {
        switch configuration.components {
        case .count(let k) where k < 1 || k > featureCount:
            throw DetectorError.invalidArgument(name: "components", expected: "1…\(featureCount)", actual: "\(k)")
        case .explainedVariance(let share) where !(share > 0 && share <= 1):
            throw DetectorError.invalidArgument(name: "explained variance", expected: "a share in (0, 1]", actual: "\(share)")
        default: break
        }
        self.featureCount = featureCount
        self.configuration = configuration
    }

    /// A detector restored from saved parts.
    init(featureCount: Int, configuration: Configuration, mean: Tensor, components: Tensor) {
        self.featureCount = featureCount
        self.configuration = configuration
        self.mean = mean
        self.components = components
    }

    /// Fits the components; `options` are used only for `standardize` (there is no training loop).
    public func fit(_ data: Tensor, options: FitOptions) throws -> TrainingHistory {
        let input = try prepareTraining(data, options: options)
        let d = featureCount
        let (means, covariance) = input.columnCovariance(delta: input.shape[0] > 1 ? 1 : 0)
        let (values, vectors) = SymmetricEigen.decompose(covariance, dimension: d)
        eigenvalues = values
        let keep: Int
        switch configuration.components {
        case .count(let k): keep = k
        case .explainedVariance(let share):
            let total = values.reduce(0) { $0 + max($1, 0) }
            var running = 0.0
            keep = min(max(1, d - 1), (values.firstIndex { running += max($0, 0); return running >= share * total } ?? (d - 1)) + 1)
        }
        mean = Tensor(shape: [d], scalars: means.map { Float($0) })
        components = Tensor(shape: [keep, d], scalars: (0..<keep).flatMap { k in (0..<d).map { Float(vectors[k][$0]) } })
        return TrainingHistory()
    }

    public func scoreModelInput(_ data: Tensor) throws -> OutlierScores {
        guard let mean, let components else {
            throw DetectorError.invalidArgument(name: "PCA", expected: "a fitted detector", actual: "no components; call fit")
        }
        let centred = data - mean
        let reconstruction = Tensor.matmul(Tensor.matmul(centred, components, transposeB: true), components)
        let featureScores = (centred - reconstruction).pow(2)
        return OutlierScores(instance: featureScores.sum(alongAxis: 1).scalars.map { $0 / Float(featureCount) }, feature: featureScores)
    }
}

/// Eigen-decomposition of a small symmetric matrix by cyclic Jacobi rotations.
enum SymmetricEigen {
    /// Eigenvalues (largest first) and unit eigenvectors (`vectors[k]` belongs to `values[k]`).
    static func decompose(_ matrix: [Double], dimension n: Int) -> (values: [Double], vectors: [[Double]]) {
        var a = matrix
        var v = (0..<(n * n)).map { $0 % (n + 1) == 0 ? 1.0 : 0.0 }
        for _ in 0..<100 {
            var off = 0.0
            for p in 0..<n { for q in (p + 1)..<max(n, p + 1) { off += a[p * n + q] * a[p * n + q] } }
            if off < 1e-22 { break }
            for p in 0..<n {
                for q in (p + 1)..<max(n, p + 1) where abs(a[p * n + q]) > 1e-300 {
                    let theta = (a[q * n + q] - a[p * n + p]) / (2 * a[p * n + q])
                    let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot()
                    let s = t * c
                    for k in 0..<n {
                        let (akp, akq) = (a[k * n + p], a[k * n + q])
                        a[k * n + p] = c * akp - s * akq
                        a[k * n + q] = s * akp + c * akq
                    }
                    for k in 0..<n {
                        let (apk, aqk) = (a[p * n + k], a[q * n + k])
                        a[p * n + k] = c * apk - s * aqk
                        a[q * n + k] = s * apk + c * aqk
                    }
                    for k in 0..<n {
                        let (vkp, vkq) = (v[k * n + p], v[k * n + q])
                        v[k * n + p] = c * vkp - s * vkq
                        v[k * n + q] = s * vkp + c * vkq
                    }
                }
            }
        }
        let order = (0..<n).sorted { a[$0 * n + $0] > a[$1 * n + $1] }
        return (order.map { a[$0 * n + $0] }, order.map { k in (0..<n).map { v[$0 * n + k] } })
    }
}

extension PCADetector: RegisteredDetector {
    public static let settingsKey: String? = "pca"
    public var settings: Configuration { configuration }
    public var trainedNetwork: (any Module)? { nil }

    public func stateTensors() throws -> [(name: String, tensor: Tensor)] {
        guard let mean, let components else { throw PersistenceError.notFitted(kind: Self.kind) }
        return [("pca.mean", mean), ("pca.components", components)]
    }

    public static func restore(from saved: inout SavedParts, settings: Configuration) throws -> PCADetector {
        let d = saved.featureCount
        let mean = try saved.tensor("pca.mean", shape: [d])
        guard let stored = saved.storedShape("pca.components"), stored.count == 2, (1...d).contains(stored[0]) else {
            throw saved.malformedWeights("tensor \"pca.components\" must be [k ≤ \(d), \(d)]")
        }
        let components = try saved.tensor("pca.components", shape: [stored[0], d])
        return PCADetector(featureCount: d, configuration: settings, mean: mean, components: components)
    }
}
