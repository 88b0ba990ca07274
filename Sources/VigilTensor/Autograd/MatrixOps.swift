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

extension Variable {
    /// The affine map `x·W + b` of a batch of rows, fused: the bias is written into the
    /// output first and the product accumulated onto it by one GEMM call (β = 1), so no
    /// separate broadcast pass is made. Backward: `x̄ = ȳWᵀ`, `W̄ = xᵀȳ`, `b̄ = Σ_rows ȳ`.
    ///
    /// - Parameters:
    ///   - x: `[n, inputSize]`.
    ///   - weight: `[inputSize, outputSize]`.
    ///   - bias: `[outputSize]`, or `nil`.
    public static func affine(_ x: Variable, _ weight: Variable, _ bias: Variable?) -> Variable {
        guard let bias else { return matmul(x, weight) }
        let (input, kernel, offset) = (x.value, weight.value, bias.value)
        precondition(
            input.rank == 2 && kernel.rank == 2 && input.shape[1] == kernel.shape[0] && offset.shape == [kernel.shape[1]],
            "affine: input \(input.shape), weight \(kernel.shape) and bias \(offset.shape) do not fit")
        let (rows, inner, columns) = (input.shape[0], kernel.shape[0], kernel.shape[1])
        let output = Tensor(uninitializedShape: [rows, columns]) { out in
            offset.withUnsafeBufferPointer { b in
                for row in 0..<rows {
                    let target = out.baseAddress! + row * columns
                    for column in 0..<columns { target[column] = b[column] }
                }
            }
            guard rows > 0, inner > 0 else { return }
            input.withUnsafeBufferPointer { a in
                kernel.withUnsafeBufferPointer { w in
                    GEMM.multiply(
                        transposeA: false, transposeB: false, m: rows, n: columns, k: inner,
                        a: a.baseAddress!, lda: inner, b: w.baseAddress!, ldb: columns, beta: 1,
                        c: out.baseAddress!, ldc: columns)
                }
            }
        }
        return record(output, inputs: [x, weight, bias]) { g, needed in
            [
                needed[0] ? Tensor.matmul(g, kernel, transposeB: true) : nil,
                needed[1] ? Tensor.matmul(input, g, transposeA: true) : nil,
                needed[2] ? g.sum(alongAxis: 0) : nil,
            ]
        }
    }
}
