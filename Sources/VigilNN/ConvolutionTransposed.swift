import VigilTensor

/// A transposed 2-D convolution over NHWC images (Keras `Conv2DTranspose`), the adjoint
/// of ``Conv2D``: `activation(col2im(x · reshape(kernel, [kh·kw·F, C])ᵀ) + bias)`.
///
/// - `kernel`: `[kernelHeight, kernelWidth, filters, inputChannels]` (Keras layout),
///   Glorot-uniform with `fanIn = kh·kw·F`, `fanOut = kh·kw·C`.
/// - `bias`: `[filters]`, zeros.
///
/// Input `[N, H, W, C]`; output `[N, H·s, W·s, F]` with padding `same`, or
/// `[N, (H−1)·s + kh, (W−1)·s + kw, F]` with `valid`, as in Keras.
public final class Conv2DTranspose: Layer {
    public let kernel: Variable
    public let bias: Variable?
    public let strides: (height: Int, width: Int)
    public let padding: ConvolutionGeometry.Padding
    public let activation: Activation

    /// A layer from given weights.
    public init(
        kernel: Tensor, bias: Tensor?, strides: (height: Int, width: Int) = (1, 1),
        padding: ConvolutionGeometry.Padding = .valid, activation: Activation = .linear
    ) {
        precondition(kernel.rank == 4, "Conv2DTranspose: kernel must be [kh, kw, F, C], got shape \(kernel.shape)")
        self.kernel = Variable(kernel, requiresGradient: true)
        self.bias = bias.map { Variable($0, requiresGradient: true) }
        self.strides = strides
        self.padding = padding
        self.activation = activation
    }

    /// A freshly initialised layer with Keras's defaults (padding `valid`, stride 1).
    public convenience init(
        inputChannels: Int, filters: Int, kernelSize: (height: Int, width: Int),
        strides: (height: Int, width: Int) = (1, 1), padding: ConvolutionGeometry.Padding = .valid,
        activation: Activation = .linear, useBias: Bool = true, generator: inout SeededRandom
    ) {
        let field = kernelSize.height * kernelSize.width
        self.init(
            kernel: Initializer.glorotUniform(
                [kernelSize.height, kernelSize.width, filters, inputChannels],
                fanIn: field * filters, fanOut: field * inputChannels, generator: &generator),
            bias: useBias ? Tensor(zeros: [filters]) : nil,
            strides: strides, padding: padding, activation: activation)
    }

    var filters: Int { kernel.shape[2] }
    var inputChannels: Int { kernel.shape[3] }

    /// The geometry of the forward convolution whose adjoint this layer computes: from
    /// the (larger) output images back to the input's size.
    func geometry(for shape: [Int]) -> ConvolutionGeometry {
        func extent(_ input: Int, _ kernel: Int, _ stride: Int) -> Int {
            padding == .same ? input * stride : (input - 1) * stride + kernel
        }
        return ConvolutionGeometry(
            batch: shape[0],
            inputHeight: extent(shape[1], kernel.shape[0], strides.height),
            inputWidth: extent(shape[2], kernel.shape[1], strides.width),
            channels: filters, kernel: (kernel.shape[0], kernel.shape[1]), strides: strides, padding: padding)
    }

    public func callAsFunction(_ input: Variable) -> Variable {
        let geometry = geometry(for: input.shape)
        let flat = input.reshaped([-1, inputChannels])
        let patches = Variable.matmul(flat, kernel.reshaped([geometry.patchLength, inputChannels]), transposeB: true)
        var output = patches.col2im(geometry)
        if let bias { output = output + bias }
        return activation(output)
    }

    public func outputShape(forInputShape shape: [Int]) throws(ModelError) -> [Int] {
        try ModelError.check(shape, matches: [-1, -1, -1, inputChannels], in: "Conv2DTranspose(\(kernel.shape))")
        let geometry = geometry(for: shape)
        return [shape[0], geometry.inputHeight, geometry.inputWidth, filters]
    }
}
