import VigilNN
import VigilTensor

extension ONNXGraph {
    /// Emits `layer` applied to `input` (rows along the first axis, or draws × rows for the
    /// sampled variational graphs: `MatMul` broadcasts over leading axes) and returns its output.
    ///
    /// - Dense: `MatMul(x, W)` (Vigil's kernel is `[in, out]`, as ONNX's `MatMul` takes it),
    ///   `Add(b)`, then the activation.
    /// - Dropout: the identity (scoring runs in inference mode).
    /// - Convolutions, reshapes and recurrent layers are not exported: ``ONNXExportError/unsupportedLayer(network:layer:)``.
    mutating func emit(_ layer: any Layer, input: String, network: String) throws -> String {
        switch layer {
        case let sequential as Sequential:
            var current = input
            for (index, part) in sequential.layers.enumerated() {
                current = try within("\(index)") { try $0.emit(part, input: current, network: network) }
            }
            return current
        case let dense as Dense:
            var output = apply("MatMul", input, constant("kernel", dense.kernel.value))
            if let bias = dense.bias { output = apply("Add", output, constant("bias", bias.value)) }
            return emit(dense.activation, input: output)
        case let activation as ActivationLayer:
            return emit(activation.activation, input: input)
        case is Dropout:
            return input
        default:
            throw ONNXExportError.unsupportedLayer(network: network, layer: "\(type(of: layer))")
        }
    }

    /// Emits an activation (``VigilTensor/Activation``) as its ONNX operator.
    mutating func emit(_ activation: Activation, input: String) -> String {
        switch activation {
        case .linear: input
        case .relu: apply("Relu", input)
        case .tanh: apply("Tanh", input)
        case .sigmoid: apply("Sigmoid", input)
        case .softmax: apply("Softmax", input, attributes: [Self.attribute("axis", -1)])
        case .softplus: apply("Softplus", input)
        case .leakyRelu: apply("LeakyRelu", input, attributes: [Self.attribute("alpha", Activation.leakySlope)])
        }
    }
}
