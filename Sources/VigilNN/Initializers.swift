import Foundation
import VigilTensor

/// Weight initialisers with Keras's definitions.
public enum Initializer {
    /// Glorot (Xavier) uniform: `U(−l, l)` with `l = √(6 / (fanIn + fanOut))`, Keras's
    /// default for `Dense` and convolution kernels.
    public static func glorotUniform(_ shape: [Int], fanIn: Int, fanOut: Int, generator: inout SeededRandom) -> Tensor {
        let limit = Float((6.0 / Double(fanIn + fanOut)).squareRoot())
        return generator.uniformTensor(shape, -limit, limit)
    }

    /// A `rows × columns` matrix with orthonormal rows or columns (whichever are fewer),
    /// from the QR decomposition of a standard normal matrix with the signs fixed by
    /// `R`'s diagonal (Saxe et al. 2014; Keras's `Orthogonal`, gain 1), here by modified
    /// Gram–Schmidt in `Double`.
    public static func orthogonal(rows: Int, columns: Int, generator: inout SeededRandom) -> Tensor {
        // Orthonormalise the shorter side: vectors of length `length`, `count` of them.
        let count = min(rows, columns)
        let length = max(rows, columns)
        var vectors = (0..<count).map { _ in (0..<length).map { _ in Double(generator.normal()) } }
        for i in 0..<count {
            for j in 0..<i {
                let projection = zip(vectors[i], vectors[j]).reduce(0) { $0 + $1.0 * $1.1 }
                for p in 0..<length { vectors[i][p] -= projection * vectors[j][p] }
            }
            let norm = vectors[i].reduce(0) { $0 + $1 * $1 }.squareRoot()
            for p in 0..<length { vectors[i][p] /= norm }
        }
        var result = Tensor(zeros: [rows, columns])
        for i in 0..<count {
            for p in 0..<length {
                if rows <= columns {
                    result[i, p] = Float(vectors[i][p])
                } else {
                    result[p, i] = Float(vectors[i][p])
                }
            }
        }
        return result
    }
}
