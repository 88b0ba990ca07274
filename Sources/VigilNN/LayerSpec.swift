import VigilTensor

/// A layer's architecture without its weights: what a saved model records so that a
/// loader can rebuild the layer and then fill in the weights. Only data, never code.
public indirect enum LayerSpec: Codable, Sendable, Equatable {
    case dense(inputSize: Int, outputSize: Int, activation: Activation, useBias: Bool)
    case conv2D(kernel: [Int], strides: [Int], padding: ConvolutionGeometry.Padding, activation: Activation, useBias: Bool)
    case conv2DTranspose(kernel: [Int], strides: [Int], padding: ConvolutionGeometry.Padding, activation: Activation, useBias: Bool)
    case lstm(inputSize: Int, units: Int, returnSequences: Bool)
    case activation(Activation)
    case dropout(rate: Float)
    case sequential(layers: [LayerSpec])

    /// The description of a layer built from Vigil's layer types.
    ///
    /// - Throws: ``ModelError/invalidArgument(name:value:requirement:)`` for a layer type
    ///   the format does not describe (a custom layer).
    public init(describing layer: any Layer) throws(ModelError) {
        switch layer {
        case let dense as Dense:
            self = .dense(inputSize: dense.inputSize, outputSize: dense.outputSize, activation: dense.activation, useBias: dense.bias != nil)
        case let conv as Conv2D:
            self = .conv2D(kernel: conv.kernel.shape, strides: [conv.strides.height, conv.strides.width], padding: conv.padding, activation: conv.activation, useBias: conv.bias != nil)
        case let conv as Conv2DTranspose:
            self = .conv2DTranspose(kernel: conv.kernel.shape, strides: [conv.strides.height, conv.strides.width], padding: conv.padding, activation: conv.activation, useBias: conv.bias != nil)
        case let lstm as LSTM:
            self = .lstm(inputSize: lstm.kernel.shape[0], units: lstm.units, returnSequences: lstm.returnSequences)
        case let activation as ActivationLayer:
            self = .activation(activation.activation)
        case let dropout as Dropout:
            self = .dropout(rate: dropout.rate)
        case let sequential as Sequential:
            var parts: [LayerSpec] = []
            for part in sequential.layers { parts.append(try LayerSpec(describing: part)) }
            self = .sequential(layers: parts)
        default:
            throw .invalidArgument(name: "layer", value: "\(type(of: layer))", requirement: "must be a Vigil layer type to be saved")
        }
    }

    /// Builds the layer with zero weights (to be replaced by loaded ones).
    ///
    /// - Throws: ``ModelError`` for sizes that are not positive or kernels of the wrong rank.
    public func build() throws(ModelError) -> any Layer {
        switch self {
        case let .dense(input, output, activation, useBias):
            try ModelError.require(input > 0 && output > 0, "dense sizes", "\(input) → \(output)", "must be positive")
            return Dense(kernel: Tensor(zeros: [input, output]), bias: useBias ? Tensor(zeros: [output]) : nil, activation: activation)
        case let .conv2D(kernel, strides, padding, activation, useBias):
            try Self.checkConvolution(kernel, strides)
            return Conv2D(
                kernel: Tensor(zeros: kernel), bias: useBias ? Tensor(zeros: [kernel[3]]) : nil, strides: (strides[0], strides[1]),
                padding: padding, activation: activation)
        case let .conv2DTranspose(kernel, strides, padding, activation, useBias):
            try Self.checkConvolution(kernel, strides)
            return Conv2DTranspose(
                kernel: Tensor(zeros: kernel), bias: useBias ? Tensor(zeros: [kernel[2]]) : nil, strides: (strides[0], strides[1]),
                padding: padding, activation: activation)
        case let .lstm(input, units, returnSequences):
            try ModelError.require(input > 0 && units > 0, "LSTM sizes", "\(input) → \(units)", "must be positive")
            return LSTM(
                kernel: Tensor(zeros: [input, 4 * units]), recurrentKernel: Tensor(zeros: [units, 4 * units]),
                bias: Tensor(zeros: [4 * units]), returnSequences: returnSequences)
        case let .activation(activation):
            return ActivationLayer(activation)
        case let .dropout(rate):
            try ModelError.require((0..<1).contains(rate), "dropout rate", rate, "must be in [0, 1)")
            return Dropout(rate: rate)
        case let .sequential(parts):
            var layers: [any Layer] = []
            for part in parts { layers.append(try part.build()) }
            return Sequential(layers)
        }
    }

    private static func checkConvolution(_ kernel: [Int], _ strides: [Int]) throws(ModelError) {
        try ModelError.require(kernel.count == 4 && kernel.allSatisfy { $0 > 0 }, "convolution kernel", kernel, "must be 4 positive extents")
        try ModelError.require(strides.count == 2 && strides.allSatisfy { $0 > 0 }, "convolution strides", strides, "must be 2 positive steps")
    }
}
