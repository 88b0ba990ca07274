// Element-wise arithmetic with broadcasting. The gradient of a broadcast operand is the
// incoming gradient folded back with `Tensor.unbroadcast(to:)`.

extension Variable {
    public static func + (a: Variable, b: Variable) -> Variable {
        record(a.value + b.value, inputs: [a, b]) { g, _ in
            [g.unbroadcast(to: a.shape), g.unbroadcast(to: b.shape)]
        }
    }

    public static func - (a: Variable, b: Variable) -> Variable {
        record(a.value - b.value, inputs: [a, b]) { g, needed in
            [g.unbroadcast(to: a.shape), needed[1] ? (-g).unbroadcast(to: b.shape) : nil]
        }
    }

    public static func * (a: Variable, b: Variable) -> Variable {
        record(a.value * b.value, inputs: [a, b]) { g, needed in
            [
                needed[0] ? (g * b.value).unbroadcast(to: a.shape) : nil,
                needed[1] ? (g * a.value).unbroadcast(to: b.shape) : nil,
            ]
        }
    }

    public static func / (a: Variable, b: Variable) -> Variable {
        let quotient = a.value / b.value
        return record(quotient, inputs: [a, b]) { g, needed in
            [
                needed[0] ? (g / b.value).unbroadcast(to: a.shape) : nil,
                needed[1] ? Tensor.zip(g * quotient, b.value, operation: "divide backward") { -$0 / $1 }.unbroadcast(to: b.shape) : nil,
            ]
        }
    }

    public static prefix func - (a: Variable) -> Variable {
        record(-a.value, inputs: [a]) { g, _ in [-g] }
    }

    /// `a · s` for a constant `s`.
    public static func * (a: Variable, s: Float) -> Variable {
        record(a.value * s, inputs: [a]) { g, _ in [g * s] }
    }

    /// `a + s` for a constant `s`.
    public static func + (a: Variable, s: Float) -> Variable {
        record(a.value + s, inputs: [a]) { g, _ in [g] }
    }

    public static func * (s: Float, a: Variable) -> Variable { a * s }
    public static func + (s: Float, a: Variable) -> Variable { a + s }
    public static func - (a: Variable, s: Float) -> Variable { a + (-s) }
    public static func - (s: Float, a: Variable) -> Variable { -a + s }
    public static func / (a: Variable, s: Float) -> Variable { a * (1 / s) }
    public static func / (s: Float, a: Variable) -> Variable { a.pow(-1) * s }

    public static func + (a: Variable, b: Tensor) -> Variable { a + Variable(b) }
    public static func - (a: Variable, b: Tensor) -> Variable { a - Variable(b) }
    public static func * (a: Variable, b: Tensor) -> Variable { a * Variable(b) }
    public static func / (a: Variable, b: Tensor) -> Variable { a / Variable(b) }
    public static func - (a: Tensor, b: Variable) -> Variable { Variable(a) - b }
}
