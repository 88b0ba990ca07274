/// A node of the reverse-mode automatic-differentiation graph: a ``Tensor`` value and,
/// for a computed value, the inputs it came from and the rule that turns the gradient of
/// the value into gradients of those inputs.
///
/// Leaves created with `requiresGradient: true` are trainable parameters; calling
/// ``backward(seed:)`` on a result accumulates `∂result/∂leaf` into each such leaf's
/// ``gradient``. Every op's forward computation and backward rule stand side by side in
/// the `*Ops.swift` files of this folder.
public final class Variable {
    /// The value this node holds.
    public var value: Tensor
    /// The accumulated gradient of a leaf that requires one (`nil` until a backward pass
    /// reaches it, or after ``zeroGradient()``).
    public var gradient: Tensor?
    /// Whether this leaf is a trainable parameter.
    public let requiresGradient: Bool

    /// A backward rule: given the gradient of this node and which inputs need a gradient,
    /// returns one gradient (or `nil`) per input, each of its input's shape.
    typealias BackwardRule = (_ gradient: Tensor, _ inputsNeedingGradient: [Bool]) -> [Tensor?]

    private(set) var inputs: [Variable]
    private(set) var backwardRule: BackwardRule?

    /// Creates a leaf: a constant, or a trainable parameter with `requiresGradient`.
    public init(_ value: Tensor, requiresGradient: Bool = false) {
        self.value = value
        self.requiresGradient = requiresGradient
        self.inputs = []
        self.backwardRule = nil
    }

    private init(value: Tensor, inputs: [Variable], backwardRule: @escaping BackwardRule) {
        self.value = value
        self.requiresGradient = false
        self.inputs = inputs
        self.backwardRule = backwardRule
    }

    /// The shape of ``value``.
    public var shape: [Int] { value.shape }

    /// Whether a gradient can flow into this node (a parameter, or a result of one).
    public var isDifferentiable: Bool { requiresGradient || backwardRule != nil }

    /// Records the result of an op. When gradient recording is off, or no input is
    /// differentiable, the result is a constant and `backwardRule` is dropped.
    static func record(_ value: Tensor, inputs: [Variable], backwardRule: @escaping BackwardRule) -> Variable {
        guard GradientTape.isRecording, inputs.contains(where: \.isDifferentiable) else {
            return Variable(value)
        }
        return Variable(value: value, inputs: inputs, backwardRule: backwardRule)
    }

    /// Clears the accumulated gradient.
    public func zeroGradient() { gradient = nil }

    /// Back-propagates from this node: adds `∂self/∂leaf · seed` to every parameter leaf's
    /// ``gradient``.
    ///
    /// - Parameter seed: the gradient of the final objective with respect to this node;
    ///   may be omitted for a single-element value (it is then 1).
    ///
    /// The graph behind this node is released as the pass goes, so a second call on the
    /// same result finds nothing to differentiate (as PyTorch without `retain_graph`).
    public func backward(seed: Tensor? = nil) {
        precondition(
            seed != nil || value.count == 1,
            "backward: a seed gradient is required for a non-scalar value of shape \(shape)")
        if let seed {
            precondition(seed.shape == shape, "backward: seed of shape \(seed.shape) for a value of shape \(shape)")
        }
        var gradients: [ObjectIdentifier: Tensor] = [
            ObjectIdentifier(self): seed ?? Tensor(repeating: 1, shape: shape)
        ]
        for node in topologicalOrder().reversed() {
            guard let gradient = gradients.removeValue(forKey: ObjectIdentifier(node)) else { continue }
            guard let rule = node.backwardRule else {
                if node.requiresGradient {
                    if node.gradient == nil { node.gradient = gradient } else { node.gradient!.add(gradient) }
                }
                continue
            }
            let needed = node.inputs.map(\.isDifferentiable)
            let inputGradients = rule(gradient, needed)
            for (index, input) in node.inputs.enumerated() where needed[index] {
                guard let inputGradient = inputGradients[index] else { continue }
                precondition(
                    inputGradient.shape == input.shape,
                    "backward: rule produced a gradient of shape \(inputGradient.shape) for an input of shape \(input.shape)")
                let key = ObjectIdentifier(input)
                if gradients[key] == nil {
                    gradients[key] = inputGradient
                } else {
                    gradients[key]!.add(inputGradient)
                }
            }
            node.inputs = []
            node.backwardRule = nil
        }
    }

    /// The differentiable nodes reachable from this one, every input before its users.
    private func topologicalOrder() -> [Variable] {
        var order: [Variable] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(node: Variable, expanded: Bool)] = [(self, false)]
        while let (node, expanded) = stack.popLast() {
            if expanded {
                order.append(node)
                continue
            }
            guard visited.insert(ObjectIdentifier(node)).inserted else { continue }
            stack.append((node, true))
            for input in node.inputs where input.isDifferentiable && !visited.contains(ObjectIdentifier(input)) {
                stack.append((input, false))
            }
        }
        return order
    }
}

/// Whether ops record the graph needed for ``Variable/backward(seed:)``.
public enum GradientTape {
    @TaskLocal static var isRecording = true

    /// Runs `body` without recording gradients (inference): results are constants and
    /// no graph is kept alive.
    public static func withoutRecording<R>(_ body: () throws -> R) rethrows -> R {
        try $isRecording.withValue(false) { try body() }
    }
}
