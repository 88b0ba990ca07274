import VigilTensor

/// What ``Conv2D`` and ``Conv2DTranspose`` share: a 4-D kernel, an optional bias of one
/// value per output channel, strides, padding and an activation.
public class ConvolutionLayer {
    public let kernel: Variable
    public let bias: Variable?
    public let strides: (height: Int, width: Int)
    public let padding: ConvolutionGeometry.Padding
    public let activation: Activation

    init(
        kernel: Tensor, bias: Tensor?, strides: (height: Int, width: Int),
        padding: ConvolutionGeometry.Padding, activation: Activation, layer: String
    ) {
        precondition(kernel.rank == 4, "\(layer): kernel must have rank 4, got shape \(kernel.shape)")
        precondition(strides.height > 0 && strides.width > 0, "\(layer): strides \(strides) must be positive")
        self.kernel = Variable(kernel, requiresGradient: true)
        self.bias = bias.map { Variable($0, requiresGradient: true) }
        self.strides = strides
        self.padding = padding
        self.activation = activation
    }

    /// A Glorot-uniform kernel of `[kh, kw, inner, outer]` with Keras's fans
    /// (`kh·kw·inner`, `kh·kw·outer`) and a zero bias of `biasSize` when asked for.
    static func initialWeights(
        _ shape: [Int], useBias: Bool, biasSize: Int, generator: inout SeededRandom
    ) -> (kernel: Tensor, bias: Tensor?) {
        let field = shape[0] * shape[1]
        let kernel = Initializer.glorotUniform(shape, fanIn: field * shape[2], fanOut: field * shape[3], generator: &generator)
        return (kernel, useBias ? Tensor(zeros: [biasSize]) : nil)
    }

    /// `output + bias` (when there is a bias), then the activation.
    func finish(_ output: Variable) -> Variable {
        activation(bias.map { output + $0 } ?? output)
    }
}
