import VigilTensor

/// A long short-term memory layer (Keras `LSTM`, gate order input, forget, cell, output):
///
///     z = xₜ·kernel + hₜ₋₁·recurrentKernel + bias      (4 blocks of `units`)
///     i = σ(z_i), f = σ(z_f), g = tanh(z_g), o = σ(z_o)
///     cₜ = f ⊙ cₜ₋₁ + i ⊙ g,   hₜ = o ⊙ tanh(cₜ)
///
/// - `kernel`: `[inputSize, 4·units]`, Glorot-uniform.
/// - `recurrentKernel`: `[units, 4·units]`, orthogonal.
/// - `bias`: `[4·units]`, zeros except 1 for the forget gate (`unit_forget_bias`).
///
/// Input `[N, T, inputSize]`; output `[N, units]` (the last `h`), or `[N, T, units]`
/// with `returnSequences`.
public final class LSTM: Layer {
    public let kernel: Variable
    public let recurrentKernel: Variable
    public let bias: Variable
    public let units: Int
    public let returnSequences: Bool

    /// A layer from given weights.
    public init(kernel: Tensor, recurrentKernel: Tensor, bias: Tensor, returnSequences: Bool = false) {
        let units = recurrentKernel.shape[0]
        precondition(
            kernel.rank == 2 && kernel.shape[1] == 4 * units && recurrentKernel.shape == [units, 4 * units] && bias.shape == [4 * units],
            "LSTM: weights of shapes \(kernel.shape), \(recurrentKernel.shape), \(bias.shape) do not fit together")
        self.kernel = Variable(kernel, requiresGradient: true)
        self.recurrentKernel = Variable(recurrentKernel, requiresGradient: true)
        self.bias = Variable(bias, requiresGradient: true)
        self.units = units
        self.returnSequences = returnSequences
    }

    /// A freshly initialised layer with Keras's defaults.
    public convenience init(inputSize: Int, units: Int, returnSequences: Bool = false, generator: inout SeededRandom) {
        precondition(inputSize > 0 && units > 0, "LSTM: sizes must be positive, got \(inputSize) → \(units)")
        var bias = Tensor(zeros: [4 * units])
        for j in units..<(2 * units) { bias[j] = 1 }
        self.init(
            kernel: Initializer.glorotUniform([inputSize, 4 * units], fanIn: inputSize, fanOut: 4 * units, generator: &generator),
            recurrentKernel: Initializer.orthogonal(rows: units, columns: 4 * units, generator: &generator),
            bias: bias, returnSequences: returnSequences)
    }

    var inputSize: Int { kernel.shape[0] }

    public func callAsFunction(_ input: Variable) -> Variable {
        let (batch, steps) = (input.shape[0], input.shape[1])
        // The input projection of every time step in one product.
        let projected = (Variable.matmul(input.reshaped([batch * steps, inputSize]), kernel) + bias)
            .reshaped([batch, steps, 4 * units])
        var h = Variable(Tensor(zeros: [batch, units]))
        var c = Variable(Tensor(zeros: [batch, units]))
        var outputs: [Variable] = []
        for t in 0..<steps {
            let z = projected.slice(alongAxis: 1, t..<(t + 1)).reshaped([batch, 4 * units])
                + Variable.matmul(h, recurrentKernel)
            let inputGate = z.slice(alongAxis: 1, 0..<units).sigmoid()
            let forgetGate = z.slice(alongAxis: 1, units..<(2 * units)).sigmoid()
            let candidate = z.slice(alongAxis: 1, (2 * units)..<(3 * units)).tanh()
            let outputGate = z.slice(alongAxis: 1, (3 * units)..<(4 * units)).sigmoid()
            c = forgetGate * c + inputGate * candidate
            h = outputGate * c.tanh()
            if returnSequences { outputs.append(h.reshaped([batch, 1, units])) }
        }
        return returnSequences ? Variable.concatenate(outputs, alongAxis: 1) : h
    }

    public func outputShape(forInputShape shape: [Int]) throws(ModelError) -> [Int] {
        try ModelError.check(shape, matches: [-1, -1, inputSize], in: "LSTM(\(inputSize) → \(units))")
        return returnSequences ? [shape[0], shape[1], units] : [shape[0], units]
    }
}
