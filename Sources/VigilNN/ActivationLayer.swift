import VigilTensor

/// An activation as a layer of its own, for ``Sequential`` models.
public final class ActivationLayer: Layer {
    /// The function applied.
    public let activation: Activation

    public init(_ activation: Activation) { self.activation = activation }

    public func callAsFunction(_ input: Variable) -> Variable { activation(input) }

    public func outputShape(forInputShape shape: [Int]) throws(ModelError) -> [Int] { shape }
}
