import Foundation
import VigilNN
import VigilTensor

// A fitted mixture in a saved folder: `mixture.weights`, `mixture.means`, `mixture.covariance.<k>`.

extension GaussianMixture.Parameters {
    /// The mixture's constants as named tensors (`prefix.weights`, `.means`, `.covariance.k`).
    func savedTensors(prefix: String) -> [(name: String, tensor: Tensor)] {
        [("\(prefix).weights", weights.value), ("\(prefix).means", means.value)]
            + covariances.enumerated().map { ("\(prefix).covariance.\($0.offset)", $0.element.value) }
    }

    /// Rebuilds a mixture of `components` × `dimension` from saved tensors, refactorising
    /// the covariances (deterministic, so scores are bit-identical to the saved detector's).
    ///
    /// Checked: the weights are non-negative and sum to 1 (within 10⁻³), every covariance
    /// is symmetric (within 10⁻⁴ of its largest entry) with a positive diagonal and is
    /// positive definite, and `jitter` is in `[0, 0.01]`; each error names the tensor.
    static func load(_ loader: inout TensorLoader, prefix: String, components: Int, dimension: Int, jitter: Float, configFile: String) throws -> Self {
        guard jitter.isFinite, (0...1e-2).contains(jitter) else {
            throw PersistenceError.malformed(file: configFile, problem: "jitter \(jitter), expected a value in [0, 0.01]")
        }
        let weights = try loader.take("\(prefix).weights", shape: [components])
        if let bad = weights.scalars.firstIndex(where: { $0 < 0 }) {
            throw PersistenceError.malformed(file: loader.file, problem: "tensor \"\(prefix).weights\" holds \(weights.scalars[bad]) at element \(bad); mixture weights must be ≥ 0")
        }
        let total = weights.scalars.reduce(0, +)
        guard abs(total - 1) <= 1e-3 else {
            throw PersistenceError.malformed(file: loader.file, problem: "tensor \"\(prefix).weights\" sums to \(total); mixture weights must sum to 1")
        }
        let means = try loader.take("\(prefix).means", shape: [components, dimension])
        let covariances = try (0..<components).map { component in
            let name = "\(prefix).covariance.\(component)"
            let matrix = try loader.take(name, shape: [dimension, dimension])
            let scale = matrix.scalars.map(abs).max() ?? 0
            for i in 0..<dimension {
                guard matrix[i, i] > 0 else {
                    throw PersistenceError.malformed(file: loader.file, problem: "tensor \"\(name)\" has \(matrix[i, i]) at [\(i), \(i)]; a covariance's diagonal must be positive")
                }
                for j in 0..<i where abs(matrix[i, j] - matrix[j, i]) > 1e-4 * scale {
                    throw PersistenceError.malformed(file: loader.file, problem: "tensor \"\(name)\" is not symmetric ([\(i), \(j)] = \(matrix[i, j]), [\(j), \(i)] = \(matrix[j, i]))")
                }
            }
            return Variable(matrix)
        }
        do {
            return try Self(weights: Variable(weights), means: Variable(means), covariances: covariances, jitter: jitter)
        } catch {
            throw PersistenceError.malformed(file: loader.file, problem: "a covariance of \"\(prefix)\" is not positive definite even with 10⁶ × the jitter")
        }
    }
}

/// A fitted detector's mixture as the tensors of its saved folder.
func savedMixture(_ mixture: GaussianMixture.Parameters?, kind: String) throws -> [(name: String, tensor: Tensor)] {
    guard let mixture else { throw PersistenceError.notFitted(kind: kind) }
    return mixture.savedTensors(prefix: "mixture")
}
