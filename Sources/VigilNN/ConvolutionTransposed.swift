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
public final class Conv2DTranspose: ConvolutionLayer, Layer {
    /// A layer from given weights.
    public init(
        kernel: Tensor, bias: Tensor?, strides: (height: Int, width: Int) = (1, 1),
        padding: ConvolutionGeometry.Padding = .valid, activation: Activation = .linear
    ) {
        super.init(
            kernel: kernel, bias: bias, strides: strides, padding: padding, activation: activation, layer: "Conv2DTranspose")
    }

    /// A freshly initialised layer with Keras's defaults (padding `valid`, stride 1).
    public convenience init(
        inputChannels: Int, filters: Int, kernelSize: (height: Int, width: Int),
        strides: (height: Int, width: Int) = (1, 1), padding: ConvolutionGeometry.Padding = .valid,
        activation: Activation = .linear, useBias: Bool = true, generator: inout SeededRandom
    ) {
        let weights = Self.initialWeights(
            [kernelSize.height, kernelSize.width, filters, inputChannels], useBias: useBias, biasSize: filters,
            generator: &generator)
        self.init(kernel: weights.kernel, bias: weights.bias, strides: strides, padding: padding, activation: activation)
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
        return finish(patches.col2im(geometry))
    }

    public func outputShape(forInputShape shape: [Int]) throws(ModelError) -> [Int] {
        try ModelError.check(shape, matches: [-1, -1, -1, inputChannels], in: "Conv2DTranspose(\(kernel.shape))")
        let geometry = geometry(for: shape)
        return [shape[0], geometry.inputHeight, geometry.inputWidth, filters]
    }
}
