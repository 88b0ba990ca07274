// The affine map of a dense layer fused with its activation: one GEMM onto the bias,
// the activation applied in place, and one backward rule for both.

/// The element-wise activations of Keras layers.
public enum Activation: String, Codable, Sendable, CaseIterable {
    /// `x` (no activation).
    case linear
    /// `max(x, 0)`.
    case relu
    /// `tanh x`.
    case tanh
    /// `1 / (1 + e^{−x})`.
    case sigmoid
    /// `e^x / Σ e^x` over the last axis (not element-wise; applied after the affine map).
    case softmax
    /// `log(1 + e^x)`.
    case softplus
    /// `x` where positive, `0.2·x` elsewhere (``leakySlope``, the slope GAN encoders use).
    case leakyRelu

    /// The negative-side slope of ``leakyRelu``.
    public static let leakySlope: Float = 0.2

    /// Applies the activation as its own op.
    public func callAsFunction(_ x: Variable) -> Variable {
        switch self {
        case .linear: x
        case .relu: x.relu()
        case .tanh: x.tanh()
        case .sigmoid: x.sigmoid()
        case .softmax: x.softmax(alongAxis: -1)
        case .softplus: x.softplus()
        case .leakyRelu: x.leakyRelu()
        }
    }

    /// Replaces every element by its activation.
    func applyInPlace(_ values: inout Tensor) {
        values.withUnsafeMutableBufferPointer { buffer in
            let pointer = buffer.baseAddress!
            switch self {
            case .linear, .softmax: break
            // Branch-free forms, which the compiler vectorises.
            case .relu: for i in 0..<buffer.count { pointer[i] = Swift.max(pointer[i], 0) }
            case .tanh: Self.mapInPlace(pointer, buffer.count, HyperbolicTangentFunction.self)
            case .sigmoid: Self.mapInPlace(pointer, buffer.count, SigmoidFunction.self)
            case .softplus: for i in 0..<buffer.count { pointer[i] = Tensor.softplus(pointer[i]) }
            case .leakyRelu: for i in 0..<buffer.count { pointer[i] = Swift.max(pointer[i], Self.leakySlope * pointer[i]) }
            }
        }
    }

    /// Applies a vector function in place, split over threads for large buffers.
    private static func mapInPlace<Function: VectorFunction>(_ pointer: UnsafeMutablePointer<Float>, _ count: Int, _ function: Function.Type) {
        let shared = UncheckedSendable(pointer)
        parallelChunks(count) { range in
            FastMath.map(shared.value + range.lowerBound, shared.value + range.lowerBound, range.count, function)
        }
    }

    /// The gradient before the activation, `ḡ ⊙ f′`, with `f′` written in terms of the
    /// output `y`: relu `y > 0`, tanh `1 − y²`, sigmoid `y(1 − y)`, softplus `1 − e^{−y}`.
    func inputGradient(_ g: Tensor, output y: Tensor) -> Tensor {
        switch self {
        case .linear, .softmax: g
        case .relu: Tensor.zip(g, y, operation: "relu backward") { $1 > 0 ? $0 : 0 }
        case .tanh: Tensor.zip(g, y, operation: "tanh backward") { $0 * (1 - $1 * $1) }
        case .sigmoid: Tensor.zip(g, y, operation: "sigmoid backward") { $0 * $1 * (1 - $1) }
        case .softplus: g * (1 - (-y).exp())
        case .leakyRelu: Tensor.zip(g, y, operation: "leaky relu backward") { $1 > 0 ? $0 : Self.leakySlope * $0 }
        }
    }
}

extension Variable {
    /// `activation(x·W + b)` for a batch of rows, fused: the bias is written into the output,
    /// the product accumulated onto it by one GEMM call (β = 1), and an element-wise
    /// activation applied in place. Backward: `p̄ = ȳ ⊙ f′(y)`, then `x̄ = p̄Wᵀ`, `W̄ = xᵀp̄`,
    /// `b̄ = Σ_rows p̄`. (`softmax` is applied as a separate op after the affine map.)
    ///
    /// - Parameters:
    ///   - x: `[n, inputSize]`.
    ///   - weight: `[inputSize, outputSize]`.
    ///   - bias: `[outputSize]`, or `nil`.
    public static func affine(
        _ x: Variable, _ weight: Variable, _ bias: Variable?, activation: Activation = .linear
    ) -> Variable {
        if activation == .softmax { return affine(x, weight, bias).softmax(alongAxis: -1) }
        let (input, kernel) = (x.value, weight.value)
        precondition(
            input.rank == 2 && kernel.rank == 2 && input.shape[1] == kernel.shape[0]
                && (bias == nil || bias!.shape == [kernel.shape[1]]),
            "affine: input \(input.shape), weight \(kernel.shape) and bias \(bias?.shape ?? []) do not fit")
        let (rows, inner, columns) = (input.shape[0], kernel.shape[0], kernel.shape[1])
        var output = Tensor(uninitializedShape: [rows, columns]) { out in
            guard rows > 0, columns > 0, let target = out.baseAddress else { return }
            if let offset = bias?.value {
                offset.withUnsafeBufferPointer { b in
                    // One row, then copies of doubling blocks: log₂(rows) copies instead of one per row.
                    target.update(from: b.baseAddress!, count: columns)
                    var filled = 1
                    while filled < rows {
                        let count = Swift.min(filled, rows - filled)
                        (target + filled * columns).update(from: target, count: count * columns)
                        filled += count
                    }
                }
            } else {
                out.update(repeating: 0)
            }
            guard inner > 0 else { return }
            input.withUnsafeBufferPointer { a in
                kernel.withUnsafeBufferPointer { w in
                    GEMM.multiply(
                        transposeA: false, transposeB: false, m: rows, n: columns, k: inner,
                        a: a.baseAddress!, lda: inner, b: w.baseAddress!, ldb: columns, beta: 1,
                        c: target, ldc: columns)
                }
            }
        }
        activation.applyInPlace(&output)
        let result = output
        let inputs = bias.map { [x, weight, $0] } ?? [x, weight]
        return record(result, inputs: inputs) { g, needed in
            let preActivation = activation.inputGradient(g, output: result)
            var gradients: [Tensor?] = [
                needed[0] ? Tensor.matmul(preActivation, kernel, transposeB: true) : nil,
                needed[1] ? Tensor.matmul(input, preActivation, transposeA: true) : nil,
            ]
            if inputs.count == 3 { gradients.append(needed[2] ? preActivation.sum(alongAxis: 0) : nil) }
            return gradients
        }
    }
}
