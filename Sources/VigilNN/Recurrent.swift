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

    /// The width of each time step of the input.
    public var inputSize: Int { kernel.shape[0] }

    public func callAsFunction(_ input: Variable) -> Variable {
        let (outputs, state) = unroll(input, from: nil)
        return returnSequences ? Variable.concatenate(outputs, alongAxis: 1) : state.h
    }

    /// The hidden and cell state after a step, each `[N, units]`.
    public typealias State = (h: Variable, c: Variable)

    /// Runs over a whole sequence `[N, T, inputSize]` from `initial` (zeros when `nil`);
    /// returns every step's `h` as `[N, 1, units]` pieces and the final state.
    public func unroll(_ input: Variable, from initial: State?) -> (outputs: [Variable], state: State) {
        let (batch, steps) = (input.shape[0], input.shape[1])
        var state = initial ?? (Variable(Tensor(zeros: [batch, units])), Variable(Tensor(zeros: [batch, units])))
        var outputs: [Variable] = []
        // Each step projects its own slice of the input: slicing one projection of the whole
        // sequence instead would send a full-sequence gradient back from every step (T² work).
        for t in 0..<steps {
            state = step(input.slice(alongAxis: 1, t..<(t + 1)).reshaped([batch, inputSize]), from: state)
            outputs.append(state.h.reshaped([batch, 1, units]))
        }
        return (outputs, state)
    }

    /// One step from `state` for the input `x` of shape `[N, inputSize]`.
    public func step(_ x: Variable, from state: State) -> State {
        cell(Variable.affine(x, kernel, bias), state)
    }

    /// The next state from the projected input `[N, 4·units]` and the recurrent product.
    private func cell(_ projectedInput: Variable, _ state: State) -> State {
        let both = Variable.lstmCell(gates: projectedInput + Variable.matmul(state.h, recurrentKernel), cell: state.c)
        return (both.slice(alongAxis: 1, 0..<units), both.slice(alongAxis: 1, units..<(2 * units)))
    }

    public func outputShape(forInputShape shape: [Int]) throws(ModelError) -> [Int] {
        try ModelError.check(shape, matches: [-1, -1, inputSize], in: "LSTM(\(inputSize) → \(units))")
        return returnSequences ? [shape[0], shape[1], units] : [shape[0], units]
    }
}
