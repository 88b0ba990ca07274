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
    case reshape(shape: [Int])
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
        case let reshape as Reshape:
            self = .reshape(shape: reshape.targetShape)
        case let sequential as Sequential:
            var parts: [LayerSpec] = []
            for part in sequential.layers { parts.append(try LayerSpec(describing: part)) }
            self = .sequential(layers: parts)
        default:
            throw .invalidArgument(name: "layer", value: "\(type(of: layer))", requirement: "must be a Vigil layer type to be saved")
        }
    }

    /// The number of weights (kernels and biases) the layer holds, checked before anything
    /// is allocated: every size positive and at most ``InputLimits/maximumLayerUnits``,
    /// every product free of overflow and within ``InputLimits/maximumElements``.
    ///
    /// - Throws: ``ModelError`` naming the size that is out of bounds.
    public func parameterCount(limits: InputLimits = .current) throws(ModelError) -> Int {
        let units = limits.maximumLayerUnits
        func count(_ shape: [Int], _ name: String) throws(ModelError) -> Int {
            try ModelError.require(
                shape.allSatisfy { (1...units).contains($0) }, name, shape, "every extent must be in 1…\(units) (InputLimits.maximumLayerUnits)")
            guard let elements = limits.elementCount(shape) else {
                throw .invalidArgument(name: name, value: "\(shape)", requirement: "must hold at most \(limits.maximumElements) weights")
            }
            return elements
        }
        switch self {
        case let .dense(input, output, _, useBias):
            return try count([input, output], "dense sizes") + (useBias ? output : 0)
        case let .conv2D(kernel, strides, _, _, useBias), let .conv2DTranspose(kernel, strides, _, _, useBias):
            try Self.checkConvolution(kernel, strides)
            let weights = try count(kernel, "convolution kernel")
            return weights + (useBias ? kernel[self.isTransposed ? 2 : 3] : 0)
        case let .lstm(input, lstmUnits, _):
            try ModelError.require((1...max(1, units / 4)).contains(lstmUnits), "LSTM units", lstmUnits, "must be in 1…\(units / 4) (InputLimits.maximumLayerUnits / 4)")
            return try count([input, 4 * lstmUnits], "LSTM sizes") + count([lstmUnits, 4 * lstmUnits], "LSTM sizes") + 4 * lstmUnits
        case .activation, .dropout:
            return 0
        case let .reshape(shape):
            // A row of an image may be longer than one layer's units (224·224·3 values).
            try ModelError.require(
                !shape.isEmpty && shape.allSatisfy { $0 > 0 } && limits.elementCount(shape) != nil, "reshape target", shape,
                "every extent must be positive and the row hold at most \(limits.maximumElements) values")
            return 0
        case let .sequential(parts):
            var total = 0
            for part in parts {
                let (sum, overflow) = total.addingReportingOverflow(try part.parameterCount(limits: limits))
                guard !overflow, sum <= limits.maximumElements else {
                    throw .invalidArgument(name: "network", value: "\(parts.count) layers", requirement: "must hold at most \(limits.maximumElements) weights")
                }
                total = sum
            }
            return total
        }
    }

    private var isTransposed: Bool { if case .conv2DTranspose = self { true } else { false } }

    /// Builds the layer with zero weights (to be replaced by loaded ones), after
    /// ``parameterCount(limits:)`` has checked every size.
    ///
    /// - Throws: ``ModelError`` for sizes that are not positive, too large or kernels of the wrong rank.
    public func build(limits: InputLimits = .current) throws(ModelError) -> any Layer {
        _ = try parameterCount(limits: limits)
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
        case let .reshape(shape):
            return Reshape(shape)
        case let .sequential(parts):
            var layers: [any Layer] = []
            for part in parts { layers.append(try part.build(limits: limits)) }
            return Sequential(layers)
        }
    }

    private static func checkConvolution(_ kernel: [Int], _ strides: [Int]) throws(ModelError) {
        try ModelError.require(kernel.count == 4 && kernel.allSatisfy { $0 > 0 }, "convolution kernel", kernel, "must be 4 positive extents")
        try ModelError.require(strides.count == 2 && strides.allSatisfy { $0 > 0 }, "convolution strides", strides, "must be 2 positive steps")
    }
}
