import Foundation
import Testing
import VigilNN
import VigilTensor
import _TestSupport

@Suite("Layers")
struct LayerTests {
    let tolerance: Float = 5e-3

    /// `Σ output·w` for fixed random `w`, so every output element's gradient counts.
    static func weightedSum(_ output: Variable, seed: UInt64 = 3) -> Variable {
        var random = SeededRandom(seed: seed)
        return (output * random.uniformTensor(output.shape, -1, 1)).sum()
    }

    @Test func denseComputesAffineMapAndGradients() throws {
        let layer = Dense(kernel: Tensor(rows: [[1, 2], [3, 4], [5, 6]]), bias: Tensor(shape: [2], scalars: [0.5, -1]))
        let output = try layer.predict(Tensor(rows: [[1, 0, -1]]))
        let expected: [Float] = [-3.5, -5]  // [1 − 5 + 0.5, 2 − 6 − 1]
        #expect(output.scalars == expected)
        var random = SeededRandom(seed: 1)
        let tanhLayer = Dense(inputSize: 4, outputSize: 3, activation: .tanh, generator: &random)
        let x = random.uniformTensor([5, 4], -1, 1)
        let report = checkParameterGradients(tanhLayer.parameters) { Self.weightedSum(tanhLayer(Variable(x))) }
        #expect(report.maxError < tolerance, "\(report)")
        #expect(checkGradients([x]) { Self.weightedSum(tanhLayer($0[0])) }.maxError < tolerance)
        // Rank-3 input keeps its leading axes.
        #expect(try tanhLayer.predict(random.uniformTensor([2, 5, 4])).shape == [2, 5, 3])
    }

    @Test func conv2DMatchesDirectConvolution() throws {
        var random = SeededRandom(seed: 2)
        for padding in ConvolutionGeometry.Padding.allCases {
            let layer = Conv2D(inputChannels: 2, filters: 3, kernelSize: (3, 3), strides: (2, 2), padding: padding, generator: &random)
            layer.bias!.value = random.uniformTensor([3], -1, 1)
            let x = random.uniformTensor([2, 5, 6, 2], -1, 1)
            let y = try layer.predict(x)
            let geometry = ConvolutionGeometry(
                batch: 2, inputHeight: 5, inputWidth: 6, channels: 2, kernel: (3, 3), strides: (2, 2), padding: padding)
            #expect(y.shape == [2, geometry.outputHeight, geometry.outputWidth, 3])
            // Direct sum over the window, TensorFlow's padding convention.
            for n in 0..<2 {
                for oy in 0..<geometry.outputHeight {
                    for ox in 0..<geometry.outputWidth {
                        for f in 0..<3 {
                            var total = layer.bias!.value[f]
                            for ky in 0..<3 {
                                for kx in 0..<3 {
                                    let iy = oy * 2 + ky - geometry.padTop
                                    let ix = ox * 2 + kx - geometry.padLeft
                                    guard iy >= 0, iy < 5, ix >= 0, ix < 6 else { continue }
                                    for c in 0..<2 { total += x[n, iy, ix, c] * layer.kernel.value[ky, kx, c, f] }
                                }
                            }
                            #expect(abs(y[n, oy, ox, f] - total) < 1e-5)
                        }
                    }
                }
            }
            let report = checkParameterGradients(layer.parameters) { Self.weightedSum(layer(Variable(x))) }
            #expect(report.maxError < tolerance, "\(report)")
        }
    }

    @Test func conv2DTransposeIsTheAdjointOfConv2D() throws {
        var random = SeededRandom(seed: 4)
        for padding in ConvolutionGeometry.Padding.allCases {
            // Conv2D maps 2 → 3 channels with kernel [4, 4, 2, 3]; the transposed layer with
            // the same kernel maps 3 → 2 channels, and ⟨conv(x), y⟩ = ⟨x, convᵀ(y)⟩.
            let kernel = random.uniformTensor([4, 4, 2, 3], -1, 1)
            let forward = Conv2D(kernel: kernel, bias: nil, strides: (2, 2), padding: padding)
            let backward = Conv2DTranspose(kernel: kernel, bias: nil, strides: (2, 2), padding: padding)
            let x = random.uniformTensor([1, 8, 8, 2], -1, 1)
            let y = random.uniformTensor(try forward.outputShape(forInputShape: x.shape), -1, 1)
            let transposed = try backward.predict(y)
            #expect(transposed.shape == x.shape)
            let left = (try forward.predict(x) * y).sum().scalar
            let right = (x * transposed).sum().scalar
            #expect(abs(left - right) < 1e-4 * max(1, abs(left)))
        }
        // Keras shapes: 4×4 → 8×8 with stride 2 'same'; 4×4 → 10×10 with kernel 4 'valid'.
        let same = Conv2DTranspose(inputChannels: 3, filters: 5, kernelSize: (4, 4), strides: (2, 2), padding: .same, generator: &random)
        #expect(try same.outputShape(forInputShape: [2, 4, 4, 3]) == [2, 8, 8, 5])
        let valid = Conv2DTranspose(inputChannels: 3, filters: 5, kernelSize: (4, 4), strides: (2, 2), padding: .valid, generator: &random)
        #expect(try valid.outputShape(forInputShape: [2, 4, 4, 3]) == [2, 10, 10, 5])
        valid.bias!.value = random.uniformTensor([5], -1, 1)
        let x = random.uniformTensor([1, 2, 3, 3], -1, 1)
        let report = checkParameterGradients(valid.parameters) { Self.weightedSum(valid(Variable(x))) }
        #expect(report.maxError < tolerance, "\(report)")
        #expect(checkGradients([x]) { Self.weightedSum(valid($0[0])) }.maxError < tolerance)
    }

    @Test func lstmMatchesHandComputedStepAndGradients() throws {
        // One unit, one step, one feature: z = x·k + b (h₀ = 0), gates i, f, g, o.
        let k: [Float] = [0.5, -0.3, 0.8, 0.2]
        let b: [Float] = [0.1, 1, -0.2, 0.05]
        let layer = LSTM(
            kernel: Tensor(shape: [1, 4], scalars: k), recurrentKernel: Tensor(shape: [1, 4], scalars: [0.3, 0.1, -0.4, 0.6]),
            bias: Tensor(shape: [4], scalars: b))
        let x: Float = 0.7
        func sigmoid(_ v: Float) -> Float { 1 / (1 + Foundation.exp(-v)) }
        let z = (0..<4).map { x * k[$0] + b[$0] }
        let c = sigmoid(z[0]) * Foundation.tanh(z[2])
        let h = sigmoid(z[3]) * Foundation.tanh(c)
        #expect(abs(try layer.predict(Tensor(shape: [1, 1, 1], scalars: [x])).scalar - h) < 1e-6)

        var random = SeededRandom(seed: 8)
        let sequence = LSTM(inputSize: 2, units: 3, returnSequences: true, generator: &random)
        #expect(Array(sequence.bias.value.scalars[3..<6]) == [1, 1, 1])  // unit_forget_bias
        let input = random.uniformTensor([2, 4, 2], -1, 1)
        #expect(try sequence.outputShape(forInputShape: input.shape) == [2, 4, 3])
        let report = checkParameterGradients(sequence.parameters) { Self.weightedSum(sequence(Variable(input))) }
        #expect(report.maxError < tolerance, "\(report)")
        #expect(checkGradients([input]) { Self.weightedSum(sequence($0[0])) }.maxError < tolerance)
    }

    @Test func lstmStepsFromAStateMatchTheUnrollAndPassGradientsToIt() throws {
        var random = SeededRandom(seed: 9)
        let layer = LSTM(inputSize: 2, units: 3, generator: &random)
        let input = random.uniformTensor([2, 4, 2], -1, 1)
        let start = (random.uniformTensor([2, 3], -1, 1), random.uniformTensor([2, 3], -1, 1))
        let unrolled = layer.unroll(Variable(input), from: (Variable(start.0), Variable(start.1)))
        var state = (h: Variable(start.0), c: Variable(start.1))
        for t in 0..<4 {
            state = layer.step(Variable(input.slice(alongAxis: 1, t..<(t + 1)).reshaped([2, 2])), from: state)
            #expect(maxRelativeDifference(state.h.value, unrolled.outputs[t].value.reshaped([2, 3])) < 1e-6)
        }
        #expect(maxRelativeDifference(state.c.value, unrolled.state.c.value) < 1e-6)
        // Gradients reach the initial state (a seq2seq decoder trains its encoder through it).
        let report = checkGradients([start.0, start.1]) { Self.weightedSum(layer.unroll(Variable(input), from: ($0[0], $0[1])).state.h) }
        #expect(report.maxError < tolerance, "\(report)")
    }

    @Test func initialisersFollowKeras() {
        var random = SeededRandom(seed: 11)
        let dense = Dense(inputSize: 18, outputSize: 60, generator: &random)
        let limit = Float((6.0 / 78).squareRoot())
        #expect(dense.kernel.value.scalars.allSatisfy { abs($0) <= limit })
        #expect(dense.kernel.value.scalars.map(abs).max()! > 0.9 * limit)
        #expect(dense.bias!.value.scalars.allSatisfy { $0 == 0 })
        for (rows, columns) in [(4, 16), (16, 4), (5, 5)] {
            let q = Initializer.orthogonal(rows: rows, columns: columns, generator: &random)
            let gram = rows <= columns ? Tensor.matmul(q, q, transposeB: true) : Tensor.matmul(q, q, transposeA: true)
            #expect(maxRelativeDifference(gram, Tensor.identity(min(rows, columns))) < 1e-5)
        }
    }

    @Test func parametersAreDiscovered() {
        var random = SeededRandom(seed: 0)
        let model = Sequential([
            Dense(inputSize: 3, outputSize: 4, activation: .relu, generator: &random),
            ActivationLayer(.tanh),
            Dense(inputSize: 4, outputSize: 2, useBias: false, generator: &random),
        ])
        #expect(model.namedParameters().map(\.name) == ["layers.0.kernel", "layers.0.bias", "layers.2.kernel"])
        #expect(model.parameterCount == 3 * 4 + 4 + 4 * 2)
        // Inherited stored properties are found too.
        let conv = Conv2D(inputChannels: 2, filters: 3, kernelSize: (3, 3), generator: &random)
        #expect(conv.namedParameters().map(\.name) == ["kernel", "bias"])
    }

    @Test func badInputIsATypedErrorNamingBothShapes() throws {
        var random = SeededRandom(seed: 0)
        let model = Sequential([
            Dense(inputSize: 18, outputSize: 4, generator: &random),
            Dense(inputSize: 4, outputSize: 2, generator: &random),
        ])
        do {
            _ = try model.predict(Tensor(zeros: [5, 17]))
            Issue.record("expected a shape error")
        } catch {
            #expect(error == .shapeMismatch(component: "Dense(18 → 4)", expected: [-1, 18], actual: [5, 17]))
            #expect(error.description == "Dense(18 → 4): expected input of shape [any, 18], got [5, 17]")
        }
        let conv = Conv2D(inputChannels: 3, filters: 2, kernelSize: (3, 3), generator: &random)
        #expect(throws: ModelError.self) { try conv.predict(Tensor(zeros: [1, 8, 8, 1])) }
        #expect(throws: ModelError.self) { try conv.predict(Tensor(zeros: [1, 2, 8, 3])) }
    }
}

@Suite("Losses")
struct LossTests {
    @Test func meanSquaredErrorByHand() {
        let loss = Loss.meanSquaredError(Variable(Tensor(rows: [[1, 2], [3, 4]])), Variable(Tensor(rows: [[0, 2], [5, 4]])))
        #expect(loss.value.scalar == 1.25)  // (1 + 0 + 4 + 0) / 4
    }

    @Test func binaryCrossEntropyIsStableAndCorrect() {
        let logits: [Float] = [-3, -0.5, 0, 2, 80, -80]
        let targets: [Float] = [0, 1, 1, 0, 1, 0]
        var expected: Double = 0
        for (x, y) in zip(logits, targets) {
            let p = 1 / (1 + Foundation.exp(-Double(x)))
            // −[y log p + (1 − y) log(1 − p)], with log(1 − p) = −x − log(1 + e^{−x}) for large x.
            expected += -(Double(y) * Foundation.log(p) + (1 - Double(y)) * (-Double(x) - Foundation.log1p(Foundation.exp(-Double(x)))))
        }
        expected /= Double(logits.count)
        let loss = Loss.binaryCrossEntropy(
            logits: Variable(Tensor(shape: [6], scalars: logits)), targets: Variable(Tensor(shape: [6], scalars: targets)))
        #expect(loss.value.scalar.isFinite)
        #expect(abs(Double(loss.value.scalar) - expected) < 1e-5)
        let x = Tensor(shape: [6], scalars: [-3, -0.5, 0.1, 2, 1, -1])
        let y = Tensor(shape: [6], scalars: targets)
        #expect(checkGradients([x]) { Loss.binaryCrossEntropy(logits: $0[0], targets: Variable(y)) }.maxError < 5e-3)
    }
}

@Suite("Dropout")
struct DropoutTests {
    @Test func dropsAndScalesOnlyInTraining() {
        let dropout = Dropout(rate: 0.5, seed: 3)
        let x = Variable(Tensor(repeating: 2, shape: [100, 20]), requiresGradient: true)
        #expect(dropout(x).value == x.value)  // inference: identity
        let model = Sequential([Dense(kernel: Tensor.identity(20), bias: nil), dropout])
        model.setTraining(true)
        #expect(dropout.isTraining)
        let y = dropout(x)
        let kept = y.value.scalars.filter { $0 != 0 }
        #expect(kept.allSatisfy { $0 == 4 })  // 2 / (1 − 0.5)
        #expect(abs(Double(kept.count) / 2000 - 0.5) < 0.05)
        // The gradient is the same mask: 1/(1 − rate) where kept, 0 where dropped.
        y.sum().backward()
        #expect(x.gradient!.scalars == y.value.scalars.map { $0 == 0 ? 0 : 2 })
        model.setTraining(false)
        #expect(!dropout.isTraining)
    }
}

@Suite("Saved layer sizes")
struct LayerSpecLimitTests {
    /// Sizes from a file are checked before anything is allocated or multiplied.
    @Test func hostileSizesAreErrorsNotTraps() {
        for spec in [
            LayerSpec.lstm(inputSize: 3, units: Int.min / 4 - 1, returnSequences: false), .lstm(inputSize: 3, units: 1 << 62, returnSequences: false),
            .dense(inputSize: 3, outputSize: 1 << 62, activation: .relu, useBias: true), .dense(inputSize: -1, outputSize: 4, activation: .relu, useBias: true),
            .conv2D(kernel: [1 << 20, 1 << 20, 3, 3], strides: [1, 1], padding: .same, activation: .relu, useBias: true),
        ] {
            #expect(throws: ModelError.self) { try spec.parameterCount() }
            #expect(throws: ModelError.self) { try spec.build() }
        }
        #expect((try? LayerSpec.lstm(inputSize: 3, units: 4, returnSequences: false).parameterCount()) == 3 * 16 + 4 * 16 + 16)
    }
}

@Suite("Reshape")
struct ReshapeTests {
    @Test func reshapeKeepsRowMajorOrderAndChecksSizes() throws {
        let layer = Reshape([2, 3])
        let rows = Tensor(shape: [2, 6], scalars: (0..<12).map(Float.init))
        let output = layer(Variable(rows)).value
        #expect(output.shape == [2, 2, 3] && output.scalars == rows.scalars)
        #expect(try layer.outputShape(forInputShape: [7, 3, 2]) == [7, 2, 3])
        #expect(throws: ModelError.shapeMismatch(component: "Reshape([2, 3])", expected: [-1, 6], actual: [7, 5])) {
            try layer.outputShape(forInputShape: [7, 5])
        }
        let spec = try LayerSpec(describing: layer)
        #expect(spec == .reshape(shape: [2, 3]))
        #expect(try (spec.build() as? Reshape)?.targetShape == [2, 3])
        #expect(throws: ModelError.self) { try LayerSpec.reshape(shape: [0, 3]).build() }
        #expect(throws: ModelError.self) { try LayerSpec.reshape(shape: [1 << 40, 1 << 40]).build() }
        // The gradient flows back unchanged in shape and order.
        let input = Variable(rows, requiresGradient: true)
        (layer(input) * Variable(Tensor(shape: [2, 2, 3], scalars: (0..<12).map { Float($0) * 2 }))).sum().backward()
        #expect(input.gradient?.scalars == (0..<12).map { Float($0) * 2 })
    }
}

/// Back-propagated gradients of whole convolution layers (input, kernel and bias) against
/// central finite differences, with stride 2 and `same` padding on odd and even extents.
@Suite("Convolution gradients")
struct ConvolutionGradientTests {
    typealias LayerMaker = (Tensor, Tensor) -> any Layer

    /// `Σ w ⊙ layer(x)` for the layer made from `values[1]` (kernel) and `values[2]` (bias) on `values[0]`.
    static func objective(_ make: LayerMaker, _ values: [Tensor], _ weights: Tensor) -> Float {
        let layer = make(values[1], values[2])
        return (layer(Variable(values[0])) * Variable(weights)).sum().value.scalar
    }

    static func moved(_ values: [Tensor], _ index: Int, _ element: Int, _ delta: Float) -> [Tensor] {
        var result = values
        var scalars = values[index].scalars
        scalars[element] += delta
        result[index] = Tensor(shape: values[index].shape, scalars: scalars)
        return result
    }

    /// The largest relative difference between the analytic and the numeric gradient over
    /// every element of the input, the kernel and the bias.
    static func maximumError(_ make: LayerMaker, _ values: [Tensor], step: Float = 1e-2) -> Float {
        var random = SeededRandom(seed: 11)
        let layer = make(values[1], values[2])
        let x = Variable(values[0], requiresGradient: true)
        let output = layer(x)
        let weights = random.uniformTensor(output.shape, -1, 1)
        (output * Variable(weights)).sum().backward()
        let parameters = layer.namedParameters().map { $0.parameter.gradient! }
        let analytic = [x.gradient!] + parameters
        var worst: Float = 0
        for index in 0..<3 {
            for element in 0..<values[index].count {
                let plus = objective(make, moved(values, index, element, step), weights)
                let minus = objective(make, moved(values, index, element, -step), weights)
                let numeric = (plus - minus) / (2 * step)
                let value = analytic[index].scalars[element]
                worst = max(worst, abs(value - numeric) / max(1, abs(value), abs(numeric)))
            }
        }
        return worst
    }

    static func values(_ inputShape: [Int], _ kernelShape: [Int], _ biasCount: Int, seed: UInt64) -> [Tensor] {
        var random = SeededRandom(seed: seed)
        return [random.uniformTensor(inputShape, -1, 1), random.uniformTensor(kernelShape, -0.5, 0.5), random.uniformTensor([biasCount], -0.5, 0.5)]
    }

    @Test(arguments: [[5, 6, 3, 2], [4, 4, 1, 4], [7, 3, 2, 3]])
    func conv2DStrideTwoSame(sizes: [Int]) {
        let (height, width, channels, filters) = (sizes[0], sizes[1], sizes[2], sizes[3])
        let values = Self.values([2, height, width, channels], [4, 4, channels, filters], filters, seed: UInt64(height * 10 + width))
        for activation in [Activation.linear, .sigmoid] {
            let make: LayerMaker = { kernel, bias in Conv2D(kernel: kernel, bias: bias, strides: (2, 2), padding: .same, activation: activation) }
            let error = Self.maximumError(make, values)
            #expect(error < 2e-2, "\(sizes) \(activation): \(error)")
        }
    }

    @Test(arguments: [[3, 4, 2, 3], [2, 2, 4, 1], [5, 3, 3, 2]])
    func conv2DTransposeStrideTwoSame(sizes: [Int]) {
        let (height, width, channels, filters) = (sizes[0], sizes[1], sizes[2], sizes[3])
        let values = Self.values([2, height, width, channels], [4, 4, filters, channels], filters, seed: UInt64(height * 10 + width + 100))
        for activation in [Activation.linear, .sigmoid] {
            let make: LayerMaker = { kernel, bias in Conv2DTranspose(kernel: kernel, bias: bias, strides: (2, 2), padding: .same, activation: activation) }
            let error = Self.maximumError(make, values)
            #expect(error < 2e-2, "\(sizes) \(activation): \(error)")
        }
    }
}
