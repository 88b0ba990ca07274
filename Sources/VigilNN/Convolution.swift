import VigilTensor

/// A 2-D convolution over NHWC images (Keras `Conv2D`):
/// `activation(im2col(x) · reshape(kernel, [kh·kw·C, F]) + bias)`.
///
/// - `kernel`: `[kernelHeight, kernelWidth, inputChannels, filters]` (Keras layout),
///   Glorot-uniform with `fanIn = kh·kw·C`, `fanOut = kh·kw·F`.
/// - `bias`: `[filters]`, zeros.
///
/// Input `[N, H, W, C]`; output `[N, H', W', F]` with `H'`, `W'` from ``ConvolutionGeometry``.
public final class Conv2D: ConvolutionLayer, Layer {
    /// A layer from given weights.
    public init(
        kernel: Tensor, bias: Tensor?, strides: (height: Int, width: Int) = (1, 1),
        padding: ConvolutionGeometry.Padding = .valid, activation: Activation = .linear
    ) {
        super.init(kernel: kernel, bias: bias, strides: strides, padding: padding, activation: activation, layer: "Conv2D")
    }

    /// A freshly initialised layer with Keras's defaults (padding `valid`, stride 1).
    public convenience init(
        inputChannels: Int, filters: Int, kernelSize: (height: Int, width: Int),
        strides: (height: Int, width: Int) = (1, 1), padding: ConvolutionGeometry.Padding = .valid,
        activation: Activation = .linear, useBias: Bool = true, generator: inout SeededRandom
    ) {
        let weights = Self.initialWeights(
            [kernelSize.height, kernelSize.width, inputChannels, filters], useBias: useBias, biasSize: filters,
            generator: &generator)
        self.init(kernel: weights.kernel, bias: weights.bias, strides: strides, padding: padding, activation: activation)
    }

    var filters: Int { kernel.shape[3] }
    var inputChannels: Int { kernel.shape[2] }

    func geometry(for shape: [Int]) -> ConvolutionGeometry {
        ConvolutionGeometry(
            batch: shape[0], inputHeight: shape[1], inputWidth: shape[2], channels: shape[3],
            kernel: (kernel.shape[0], kernel.shape[1]), strides: strides, padding: padding)
    }

    public func callAsFunction(_ input: Variable) -> Variable {
        let geometry = geometry(for: input.shape)
        let product = Variable.matmul(input.im2col(geometry), kernel.reshaped([geometry.patchLength, filters]))
        return finish(product).reshaped([geometry.batch, geometry.outputHeight, geometry.outputWidth, filters])
    }

    public func outputShape(forInputShape shape: [Int]) throws(ModelError) -> [Int] {
        let component = "Conv2D(\(kernel.shape))"
        try ModelError.check(shape, matches: [-1, -1, -1, inputChannels], in: component)
        if padding == .valid, shape[1] < kernel.shape[0] || shape[2] < kernel.shape[1] {
            throw .shapeMismatch(component: component, expected: [-1, kernel.shape[0], kernel.shape[1], inputChannels], actual: shape)
        }
        let geometry = geometry(for: shape)
        return [shape[0], geometry.outputHeight, geometry.outputWidth, filters]
    }
}
