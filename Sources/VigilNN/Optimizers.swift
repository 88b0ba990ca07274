import Foundation
import VigilTensor

/// An optimiser updates parameters in place from their accumulated gradients.
///
/// The walk over parameters, the step counter, per-parameter state ("slots") and
/// clipping by global norm are written once in ``update(_:)``; an optimiser supplies only
/// its per-parameter rule, ``apply(to:gradient:slots:step:)``.
public protocol Optimizer: AnyObject {
    /// The step size.
    var learningRate: Float { get set }
    /// When set, gradients are scaled by `clip / max(‖g‖, clip)`, `‖g‖` the global norm
    /// over all parameters (TensorFlow's `clip_by_global_norm`).
    var globalClipNorm: Float? { get }
    /// The number of updates made so far.
    var step: Int { get set }
    /// Per-parameter state, created on first use as `slotCount` zero tensors.
    var slots: [ObjectIdentifier: [Tensor]] { get set }
    /// How many state tensors each parameter needs.
    var slotCount: Int { get }

    /// Updates one parameter's `value` from its `gradient`, given its state and the
    /// 1-based step number.
    func apply(to value: inout Tensor, gradient: Tensor, slots: inout [Tensor], step: Int)
}

extension Optimizer {
    /// Applies one update to every parameter with a gradient, then clears the gradients.
    public func update(_ parameters: [Variable]) {
        step += 1
        var scale: Float = 1
        if let clip = globalClipNorm {
            var squares: Double = 0
            for parameter in parameters {
                guard let gradient = parameter.gradient else { continue }
                for value in gradient.scalars { squares += Double(value) * Double(value) }
            }
            let norm = Float(squares.squareRoot())
            if norm > clip { scale = clip / norm }
        }
        for parameter in parameters {
            guard var gradient = parameter.gradient else { continue }
            if scale != 1 { gradient = gradient * scale }
            let key = ObjectIdentifier(parameter)
            var state = slots.removeValue(forKey: key)
                ?? Array(repeating: Tensor(zeros: parameter.shape), count: slotCount)
            apply(to: &parameter.value, gradient: gradient, slots: &state, step: step)
            slots[key] = state
            parameter.gradient = nil
        }
    }

    /// Applies one update to every parameter of `module`.
    public func update(_ module: some Module) { update(module.parameters) }
}

/// Adam as Keras implements it (Kingma & Ba 2015, "ε-hat" form):
///
///     m ← β₁m + (1 − β₁)g,   v ← β₂v + (1 − β₂)g²
///     θ ← θ − α·m / (√v + ε),   α = lr·√(1 − β₂ᵗ) / (1 − β₁ᵗ)
///
/// Defaults are Keras's: lr 1e-3, β₁ 0.9, β₂ 0.999, ε 1e-7. (PyTorch adds ε after bias
/// correction and defaults to 1e-8; the two agree up to that ε.)
public final class Adam: Optimizer {
    public var learningRate: Float
    public let beta1: Float
    public let beta2: Float
    public let epsilon: Float
    public let globalClipNorm: Float?
    public var step = 0
    public var slots: [ObjectIdentifier: [Tensor]] = [:]
    public let slotCount = 2

    /// - Throws: ``ModelError/invalidArgument(name:value:requirement:)`` for a
    ///   non-positive learning rate or ε, β outside `[0, 1)`, or a non-positive clip norm.
    public init(
        learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-7,
        globalClipNorm: Float? = nil
    ) throws(ModelError) {
        try ModelError.require(learningRate > 0 && learningRate.isFinite, "learning rate", learningRate, "must be positive")
        try ModelError.require((0..<1).contains(beta1), "beta1", beta1, "must be in [0, 1)")
        try ModelError.require((0..<1).contains(beta2), "beta2", beta2, "must be in [0, 1)")
        try ModelError.require(epsilon > 0, "epsilon", epsilon, "must be positive")
        try ModelError.require(globalClipNorm.map { $0 > 0 } ?? true, "clip norm", globalClipNorm ?? 0, "must be positive")
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.globalClipNorm = globalClipNorm
    }

    public func apply(to value: inout Tensor, gradient: Tensor, slots: inout [Tensor], step: Int) {
        let t = Double(step)
        let alpha = Float(Double(learningRate) * (1 - Foundation.pow(Double(beta2), t)).squareRoot() / (1 - Foundation.pow(Double(beta1), t)))
        let (b1, b2, eps) = (beta1, beta2, epsilon)
        var m = slots[0]
        var v = slots[1]
        slots = []
        value.adamUpdate(gradient: gradient, m: &m, v: &v, alpha: alpha, beta1: b1, beta2: b2, epsilon: eps)
        slots = [m, v]
    }
}

/// Stochastic gradient descent with optional (Nesterov) momentum, as Keras's `SGD`:
///
///     u ← μu − lr·g;   θ ← θ + u   (Nesterov: θ ← θ + μu − lr·g)
///
/// Defaults: lr 0.01, momentum 0.
public final class SGD: Optimizer {
    public var learningRate: Float
    public let momentum: Float
    public let nesterov: Bool
    public let globalClipNorm: Float?
    public var step = 0
    public var slots: [ObjectIdentifier: [Tensor]] = [:]
    public var slotCount: Int { momentum > 0 ? 1 : 0 }

    /// - Throws: ``ModelError/invalidArgument(name:value:requirement:)`` for a
    ///   non-positive learning rate or a momentum outside `[0, 1)`.
    public init(learningRate: Float = 0.01, momentum: Float = 0, nesterov: Bool = false, globalClipNorm: Float? = nil) throws(ModelError) {
        try ModelError.require(learningRate > 0 && learningRate.isFinite, "learning rate", learningRate, "must be positive")
        try ModelError.require((0..<1).contains(momentum), "momentum", momentum, "must be in [0, 1)")
        try ModelError.require(globalClipNorm.map { $0 > 0 } ?? true, "clip norm", globalClipNorm ?? 0, "must be positive")
        self.learningRate = learningRate
        self.momentum = momentum
        self.nesterov = nesterov
        self.globalClipNorm = globalClipNorm
    }

    public func apply(to value: inout Tensor, gradient: Tensor, slots: inout [Tensor], step: Int) {
        guard momentum > 0 else {
            value.add(gradient, scaledBy: -learningRate)
            return
        }
        var velocity = slots[0]
        slots = []
        let (mu, lr, nesterov) = (momentum, learningRate, nesterov)
        gradient.withUnsafeBufferPointer { g in
            velocity.withUnsafeMutableBufferPointer { u in
                value.withUnsafeMutableBufferPointer { p in
                    for i in 0..<p.count {
                        u[i] = mu * u[i] - lr * g[i]
                        p[i] += nesterov ? mu * u[i] - lr * g[i] : u[i]
                    }
                }
            }
        }
        slots = [velocity]
    }
}
