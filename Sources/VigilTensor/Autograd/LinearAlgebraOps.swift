// Cholesky factorisation and triangular solves with their adjoints; log-determinant and
// the inverse of a symmetric positive-definite matrix are built from them.

extension Variable {
    /// The Cholesky factor `L` of `A + jitter·I` (only the lower triangle of `A` is read).
    ///
    /// Backward (Murray 2016): `S = L⁻ᵀ Φ(Lᵀ L̄) L⁻¹`, with `Φ` the lower triangle with a
    /// halved diagonal; since only the lower triangle of `A` is read, entry `(i, j)`,
    /// `i > j`, receives `S_ij + S_ji`, the diagonal `S_ii`, the upper triangle 0.
    public func cholesky(jitter: Float = 0) throws(LinearAlgebraError) -> Variable {
        let l = try value.cholesky(jitter: jitter)
        return Variable.record(l, inputs: [self]) { g, _ in
            let n = l.shape[0]
            let phi = Tensor.matmul(l, g.lowerTriangle(), transposeA: true).lowerTriangle(halvingDiagonal: true)
            // S = L⁻ᵀ Φ L⁻¹ = L⁻ᵀ (L⁻ᵀ Φᵀ)ᵀ
            let right = l.solveLowerTriangular(phi.transposed, transpose: true)
            let s = l.solveLowerTriangular(right.transposed, transpose: true)
            var result = Tensor(zeros: [n, n])
            for i in 0..<n {
                for j in 0..<i { result.scalars[i * n + j] = s.scalars[i * n + j] + s.scalars[j * n + i] }
                result.scalars[i * n + i] = s.scalars[i * n + i]
            }
            return [result]
        }
    }

    /// Solves `L·X = B` (or `Lᵀ·X = B` with `transpose`) where `self` is lower-triangular.
    ///
    /// Backward: `B̄ = L⁻ᵀX̄` (or `L⁻¹X̄`); `L̄ = −lower(B̄Xᵀ)` (or `−lower(XB̄ᵀ)`).
    public func solveLowerTriangular(_ b: Variable, transpose: Bool = false) -> Variable {
        let l = value
        let x = l.solveLowerTriangular(b.value, transpose: transpose)
        return Variable.record(x, inputs: [self, b]) { g, needed in
            let gradientB = l.solveLowerTriangular(g, transpose: !transpose)
            let gradientL = needed[0]
                ? (transpose
                    ? -Tensor.matmul(x, gradientB, transposeB: true).lowerTriangle()
                    : -Tensor.matmul(gradientB, x, transposeB: true).lowerTriangle())
                : nil
            return [gradientL, gradientB]
        }
    }

    /// `log det A` of a symmetric positive-definite matrix: `2 Σ log diag cholesky(A + jitter·I)`.
    public func logDeterminant(jitter: Float = 0) throws(LinearAlgebraError) -> Variable {
        try cholesky(jitter: jitter).diagonal().log().sum() * 2
    }

    /// `(A + jitter·I)⁻¹` of a symmetric positive-definite matrix: `L⁻ᵀL⁻¹`.
    public func inverseSPD(jitter: Float = 0) throws(LinearAlgebraError) -> Variable {
        let l = try cholesky(jitter: jitter)
        let lInverse = l.solveLowerTriangular(Variable(Tensor.identity(shape[0])))
        return Variable.matmul(lInverse, lInverse, transposeA: true)
    }
}
