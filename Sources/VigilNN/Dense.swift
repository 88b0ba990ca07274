import VigilTensor

/// A fully connected layer: `activation(x · kernel + bias)`.
///
/// - `kernel`: `[inputSize, outputSize]`, Glorot-uniform (Keras default).
/// - `bias`: `[outputSize]`, zeros (Keras default); absent with `useBias: false`.
///
/// Input `[…, inputSize]` of any rank ≥ 2; the leading axes are kept.
public final class Dense: Layer {
    public let kernel: Variable
    public let bias: Variable?
    public let activation: Activation
    public let inputSize: Int
    public let outputSize: Int

    /// A layer from given weights (for loaders and tests).
    public init(kernel: Tensor, bias: Tensor?, activation: Activation = .linear) {
        precondition(kernel.rank == 2, "Dense: kernel must be a matrix, got shape \(kernel.shape)")
        precondition(bias == nil || bias!.shape == [kernel.shape[1]], "Dense: bias of shape \(bias!.shape) for kernel \(kernel.shape)")
        self.kernel = Variable(kernel, requiresGradient: true)
        self.bias = bias.map { Variable($0, requiresGradient: true) }
        self.activation = activation
        inputSize = kernel.shape[0]
        outputSize = kernel.shape[1]
    }

    /// A freshly initialised layer with Keras's defaults.
    public convenience init(
        inputSize: Int, outputSize: Int, activation: Activation = .linear, useBias: Bool = true,
        generator: inout SeededRandom
    ) {
        precondition(inputSize > 0 && outputSize > 0, "Dense: sizes must be positive, got \(inputSize) → \(outputSize)")
        self.init(
            kernel: Initializer.glorotUniform([inputSize, outputSize], fanIn: inputSize, fanOut: outputSize, generator: &generator),
            bias: useBias ? Tensor(zeros: [outputSize]) : nil,
            activation: activation)
    }

    public func callAsFunction(_ input: Variable) -> Variable {
        let flat = input.value.rank == 2 ? input : input.reshaped([-1, inputSize])
        let output = Variable.affine(flat, kernel, bias, activation: activation)
        if input.value.rank == 2 { return output }
        return output.reshaped(Array(input.shape.dropLast()) + [outputSize])
    }

    public func outputShape(forInputShape shape: [Int]) throws(ModelError) -> [Int] {
        guard shape.count >= 2, shape.last == inputSize else {
            throw .shapeMismatch(component: "Dense(\(inputSize) → \(outputSize))", expected: [-1, inputSize], actual: shape)
        }
        return Array(shape.dropLast()) + [outputSize]
    }
}
