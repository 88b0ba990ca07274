import VigilTensor

/// The element-wise activations of Keras layers.
public enum Activation: String, Codable, Sendable, CaseIterable {
    /// `x` (no activation).
    case linear
    /// `max(x, 0)`.
    case relu
    /// `tanh x`.
    case tanh
    /// `1 / (1 + e^{−x})`.
    case sigmoid
    /// `e^x / Σ e^x` over the last axis.
    case softmax
    /// `log(1 + e^x)`.
    case softplus

    /// Applies the activation.
    public func callAsFunction(_ x: Variable) -> Variable {
        switch self {
        case .linear: x
        case .relu: x.relu()
        case .tanh: x.tanh()
        case .sigmoid: x.sigmoid()
        case .softmax: x.softmax(alongAxis: -1)
        case .softplus: x.softplus()
        }
    }
}

/// An activation as a layer of its own, for ``Sequential`` models.
public final class ActivationLayer: Layer {
    /// The function applied.
    public let activation: Activation

    public init(_ activation: Activation) { self.activation = activation }

    public func callAsFunction(_ input: Variable) -> Variable { activation(input) }

    public func outputShape(forInputShape shape: [Int]) throws(ModelError) -> [Int] { shape }
}
