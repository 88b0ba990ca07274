import Foundation

// Element-wise functions. Each backward rule multiplies the incoming gradient by the
// derivative, written in terms of the input `x` or the output `y` (whichever is cheaper).

extension Variable {
    /// `e^x`; `∂ = y`.
    public func exp() -> Variable {
        let y = value.exp()
        return Variable.record(y, inputs: [self]) { g, _ in [g * y] }
    }

    /// `log x`; `∂ = 1/x`.
    public func log() -> Variable {
        let x = value
        return Variable.record(x.log(), inputs: [self]) { g, _ in [g / x] }
    }

    /// `√x`; `∂ = 1/(2y)`.
    public func sqrt() -> Variable {
        let y = value.sqrt()
        return Variable.record(y, inputs: [self]) { g, _ in [Tensor.zip(g, y, operation: "sqrt backward") { $0 * 0.5 / $1 }] }
    }

    /// `x^p` for a constant `p`; `∂ = p·x^{p−1}`.
    public func pow(_ exponent: Float) -> Variable {
        let x = value
        return Variable.record(x.pow(exponent), inputs: [self]) { g, _ in
            [Tensor.zip(g, x, operation: "pow backward") { $0 * exponent * Foundation.pow($1, exponent - 1) }]
        }
    }

    /// `|x|`; `∂ = sign x` (0 at 0).
    public func abs() -> Variable {
        let x = value
        return Variable.record(x.abs(), inputs: [self]) { g, _ in
            [Tensor.zip(g, x, operation: "abs backward") { $1 > 0 ? $0 : ($1 < 0 ? -$0 : 0) }]
        }
    }

    /// `tanh x`; `∂ = 1 − y²`.
    public func tanh() -> Variable {
        let y = value.tanh()
        return Variable.record(y, inputs: [self]) { g, _ in
            [Tensor.zip(g, y, operation: "tanh backward") { $0 * (1 - $1 * $1) }]
        }
    }

    /// `1/(1 + e^{−x})`; `∂ = y(1 − y)`.
    public func sigmoid() -> Variable {
        let y = value.sigmoid()
        return Variable.record(y, inputs: [self]) { g, _ in
            [Tensor.zip(g, y, operation: "sigmoid backward") { $0 * $1 * (1 - $1) }]
        }
    }

    /// `max(x, 0)`; `∂ = 1` where `x > 0`, else 0.
    public func relu() -> Variable {
        let y = value.relu()
        return Variable.record(y, inputs: [self]) { g, _ in
            [Tensor.zip(g, y, operation: "relu backward") { $1 > 0 ? $0 : 0 }]
        }
    }

    /// `x` where positive, `slope·x` elsewhere (Keras `LeakyReLU(alpha: slope)`); `∂ = 1` or `slope`.
    public func leakyRelu(slope: Float = Activation.leakySlope) -> Variable {
        let y = value.map { $0 > 0 ? $0 : slope * $0 }
        return Variable.record(y, inputs: [self]) { g, _ in
            [Tensor.zip(g, y, operation: "leaky relu backward") { $1 > 0 ? $0 : slope * $0 }]
        }
    }

    /// `log(1 + e^x)`, overflow-free; `∂ = sigmoid x`.
    public func softplus() -> Variable {
        let x = value
        return Variable.record(x.softplus(), inputs: [self]) { g, _ in [g * x.sigmoid()] }
    }

    /// `x` limited to `[lower, upper]`; `∂ = 1` strictly inside, 0 where clamped.
    public func clamped(to lower: Float, _ upper: Float) -> Variable {
        let x = value
        return Variable.record(x.clamped(to: lower, upper), inputs: [self]) { g, _ in
            [Tensor.zip(g, x, operation: "clamp backward") { ($1 >= lower && $1 <= upper) ? $0 : 0 }]
        }
    }
}
