// Matrix products and the patch (im2col) transforms behind convolutions.

extension Variable {
    /// `op(a) · op(b)`; the gradients are again products, computed with transposed GEMM
    /// calls and no copies:
    /// `C = AB`: `Ā = C̄Bᵀ`, `B̄ = AᵀC̄`; `C = AᵀB`: `Ā = BC̄ᵀ`, `B̄ = AC̄`;
    /// `C = ABᵀ`: `Ā = C̄B`, `B̄ = C̄ᵀA`; `C = AᵀBᵀ`: `Ā = BᵀC̄ᵀ`, `B̄ = C̄ᵀAᵀ`.
    public static func matmul(_ a: Variable, _ b: Variable, transposeA: Bool = false, transposeB: Bool = false) -> Variable {
        let x = a.value
        let y = b.value
        let product = Tensor.matmul(x, y, transposeA: transposeA, transposeB: transposeB)
        return record(product, inputs: [a, b]) { g, needed in
            let gradientA: Tensor?
            let gradientB: Tensor?
            switch (transposeA, transposeB) {
            case (false, false):
                gradientA = needed[0] ? Tensor.matmul(g, y, transposeB: true) : nil
                gradientB = needed[1] ? Tensor.matmul(x, g, transposeA: true) : nil
            case (true, false):
                gradientA = needed[0] ? Tensor.matmul(y, g, transposeB: true) : nil
                gradientB = needed[1] ? Tensor.matmul(x, g) : nil
            case (false, true):
                gradientA = needed[0] ? Tensor.matmul(g, y) : nil
                gradientB = needed[1] ? Tensor.matmul(g, x, transposeA: true) : nil
            case (true, true):
                gradientA = needed[0] ? Tensor.matmul(y, g, transposeA: true, transposeB: true) : nil
                gradientB = needed[1] ? Tensor.matmul(g, x, transposeA: true, transposeB: true) : nil
            }
            return [gradientA, gradientB]
        }
    }

    /// NHWC images unfolded into patches (see `Tensor.im2col`); the gradient folds back.
    public func im2col(_ geometry: ConvolutionGeometry) -> Variable {
        Variable.record(value.im2col(geometry), inputs: [self]) { g, _ in [g.col2im(geometry)] }
    }

    /// Patches folded into NHWC images (see `Tensor.col2im`); the gradient unfolds.
    public func col2im(_ geometry: ConvolutionGeometry) -> Variable {
        Variable.record(value.col2im(geometry), inputs: [self]) { g, _ in [g.im2col(geometry)] }
    }
}
