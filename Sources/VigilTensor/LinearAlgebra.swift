/// Dense linear algebra for small symmetric positive-definite matrices (GMM covariances
/// of size 2–10), computed in `Double` and rounded to `Float`.
public enum LinearAlgebraError: Error, Equatable, CustomStringConvertible {
    /// The matrix is not positive definite: the pivot of `row` was `pivot` ≤ 0 (or NaN).
    case notPositiveDefinite(row: Int, pivot: Float)

    public var description: String {
        switch self {
        case let .notPositiveDefinite(row, pivot):
            "cholesky: matrix is not positive definite (pivot \(pivot) at row \(row)); add jitter to its diagonal"
        }
    }
}

extension Tensor {
    /// The lower-triangular `L` with `L·Lᵀ = A + jitter·I`, reading only the lower triangle of `A`.
    ///
    /// - Throws: ``LinearAlgebraError/notPositiveDefinite(row:pivot:)`` when a pivot is not positive.
    public func cholesky(jitter: Float = 0) throws(LinearAlgebraError) -> Tensor {
        precondition(rank == 2 && shape[0] == shape[1], "cholesky: expected a square matrix, got shape \(shape)")
        let n = shape[0]
        var l = [Double](repeating: 0, count: n * n)
        for j in 0..<n {
            var pivot = Double(scalars[j * n + j]) + Double(jitter)
            for p in 0..<j { pivot -= l[j * n + p] * l[j * n + p] }
            guard pivot > 0 else { throw .notPositiveDefinite(row: j, pivot: Float(pivot)) }
            let diagonal = pivot.squareRoot()
            l[j * n + j] = diagonal
            for i in (j + 1)..<Swift.max(n, j + 1) {
                var value = Double(scalars[i * n + j])
                for p in 0..<j { value -= l[i * n + p] * l[j * n + p] }
                l[i * n + j] = value / diagonal
            }
        }
        return Tensor(shape: [n, n], scalars: l.map { Float($0) })
    }

    /// Solves `L·X = B` (or `Lᵀ·X = B` with `transpose`) for `X`, where `self` is the
    /// lower-triangular `L` (`n × n`) and `b` is `n × m`. Only the lower triangle is read.
    public func solveLowerTriangular(_ b: Tensor, transpose: Bool = false) -> Tensor {
        precondition(rank == 2 && shape[0] == shape[1], "solveLowerTriangular: expected a square matrix, got shape \(shape)")
        precondition(
            b.rank == 2 && b.shape[0] == shape[0],
            "solveLowerTriangular: triangle of shape \(shape) and right-hand side of shape \(b.shape) do not fit")
        let n = shape[0]
        let m = b.shape[1]
        var x = b.scalars.map(Double.init)
        let rows = transpose ? Array((0..<n).reversed()) : Array(0..<n)
        for i in rows {
            let others = transpose ? Array((i + 1)..<n) : Array(0..<i)
            let diagonal = Double(scalars[i * n + i])
            for column in 0..<m {
                var value = x[i * m + column]
                for p in others {
                    let coefficient = transpose ? scalars[p * n + i] : scalars[i * n + p]
                    value -= Double(coefficient) * x[p * m + column]
                }
                x[i * m + column] = value / diagonal
            }
        }
        return Tensor(shape: [n, m], scalars: x.map { Float($0) })
    }

    /// The lower triangle (with the diagonal) of a square matrix; the rest set to zero.
    /// With `halvingDiagonal`, the diagonal is multiplied by ½ (the `Φ` of Cholesky's adjoint).
    func lowerTriangle(halvingDiagonal: Bool = false) -> Tensor {
        let n = shape[0]
        var result = self
        for i in 0..<n {
            for j in 0..<n where j > i { result.scalars[i * n + j] = 0 }
            if halvingDiagonal { result.scalars[i * n + i] *= 0.5 }
        }
        return result
    }
}
