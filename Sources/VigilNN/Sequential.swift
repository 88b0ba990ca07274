import VigilTensor

/// Layers applied one after another.
public final class Sequential: Layer {
    public let layers: [any Layer]

    public init(_ layers: [any Layer]) { self.layers = layers }

    public func callAsFunction(_ input: Variable) -> Variable {
        layers.reduce(input) { $1($0) }
    }

    public func outputShape(forInputShape shape: [Int]) throws(ModelError) -> [Int] {
        var current = shape
        for layer in layers { current = try layer.outputShape(forInputShape: current) }
        return current
    }
}

extension Layer {
    /// Runs the layer on a batch for inference: checks the shape first (throwing a
    /// ``ModelError`` that names the expected and the actual shape) and records no graph.
    public func predict(_ input: Tensor) throws(ModelError) -> Tensor {
        _ = try outputShape(forInputShape: input.shape)
        return GradientTape.withoutRecording { self(Variable(input)).value }
    }
}
