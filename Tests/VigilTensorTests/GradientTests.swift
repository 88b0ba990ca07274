import Foundation
import Testing
import VigilTensor
import _TestSupport

/// Every differentiable op's gradient against central finite differences.
@Suite("Gradients match finite differences")
struct GradientTests {
    var random = SeededRandom(seed: 42)
    let tolerance: Float = 5e-3

    mutating func sample(_ shape: [Int], _ lower: Float = -1, _ upper: Float = 1) -> Tensor {
        random.uniformTensor(shape, lower, upper)
    }

    /// Values kept at least 0.1 away from 0, for ops with a kink there.
    mutating func awayFromZero(_ shape: [Int]) -> Tensor {
        sample(shape, 0.1, 1).map { random.uniform() < 0.5 ? -$0 : $0 }
    }

    @Test mutating func broadcastingArithmetic() {
        let a = sample([3, 4])
        let row = sample([4])
        let column = sample([3, 1])
        let divisor = sample([3, 4], 0.5, 2)
        #expect(checkGradients([a, row]) { $0[0] + $0[1] }.maxError < tolerance)
        #expect(checkGradients([a, column]) { $0[0] - $0[1] }.maxError < tolerance)
        #expect(checkGradients([a, row]) { $0[0] * $0[1] }.maxError < tolerance)
        #expect(checkGradients([column, divisor]) { $0[0] / $0[1] }.maxError < tolerance)
        #expect(checkGradients([a]) { -($0[0] * 3 + 2) / 4 - 1 }.maxError < tolerance)
        #expect(checkGradients([Tensor(0.7), a]) { $0[0] * $0[1] }.maxError < tolerance)
    }

    @Test mutating func unaryFunctions() {
        let x = sample([2, 5], -2, 2)
        let positive = sample([2, 5], 0.2, 3)
        let kinked = awayFromZero([2, 5])
        let report: [(String, GradientCheckReport)] = [
            ("exp", checkGradients([x]) { $0[0].exp() }),
            ("log", checkGradients([positive]) { $0[0].log() }),
            ("sqrt", checkGradients([positive]) { $0[0].sqrt() }),
            ("pow", checkGradients([positive]) { $0[0].pow(2.5) }),
            ("abs", checkGradients([kinked]) { $0[0].abs() }),
            ("tanh", checkGradients([x]) { $0[0].tanh() }),
            ("sigmoid", checkGradients([x]) { $0[0].sigmoid() }),
            ("relu", checkGradients([kinked]) { $0[0].relu() }),
            ("softplus", checkGradients([x]) { $0[0].softplus() }),
            ("clamp", checkGradients([kinked * 2]) { $0[0].clamped(to: -0.95, 1.05) }),
        ]
        for (name, result) in report {
            #expect(result.maxError < tolerance, "\(name): \(result)")
        }
    }

    @Test mutating func reductions() {
        // Distinct values 0.1 apart, so no two tie within the finite-difference step.
        let x = Tensor(shape: [3, 4, 2], scalars: random.permutation(24).map { Float($0) * 0.1 - 1.2 })
        for axis in 0..<3 {
            for keep in [false, true] {
                #expect(checkGradients([x]) { $0[0].sum(alongAxis: axis, keepingDimensions: keep) }.maxError < tolerance)
                #expect(checkGradients([x]) { $0[0].mean(alongAxis: axis, keepingDimensions: keep) }.maxError < tolerance)
                #expect(checkGradients([x]) { $0[0].max(alongAxis: axis, keepingDimensions: keep) }.maxError < tolerance)
                #expect(checkGradients([x]) { $0[0].logSumExp(alongAxis: axis, keepingDimensions: keep) }.maxError < tolerance)
                #expect(checkGradients([x]) { $0[0].variance(alongAxis: axis, keepingDimensions: keep) }.maxError < tolerance)
            }
            #expect(checkGradients([x]) { $0[0].softmax(alongAxis: axis) }.maxError < tolerance)
            #expect(checkGradients([x]) { $0[0].logSoftmax(alongAxis: axis) }.maxError < tolerance)
        }
        #expect(checkGradients([x]) { $0[0].sum() }.maxError < tolerance)
        #expect(checkGradients([x]) { $0[0].mean() }.maxError < tolerance)
    }

    @Test mutating func shapeOps() {
        let x = sample([2, 3, 4])
        let y = sample([2, 1, 4])
        #expect(checkGradients([x]) { $0[0].reshaped([6, -1]) }.maxError < tolerance)
        #expect(checkGradients([x]) { $0[0].permuted([2, 0, 1]) }.maxError < tolerance)
        #expect(checkGradients([sample([3, 5])]) { $0[0].transposed }.maxError < tolerance)
        #expect(checkGradients([x, y]) { Variable.concatenate([$0[0], $0[1], $0[0]], alongAxis: 1) }.maxError < tolerance)
        #expect(checkGradients([x]) { $0[0].slice(alongAxis: 2, 1..<3) }.maxError < tolerance)
        #expect(checkGradients([x]) { $0[0].gatherRows([1, 0, 1, 1]) }.maxError < tolerance)
        #expect(checkGradients([sample([4, 4])]) { $0[0].diagonal() }.maxError < tolerance)
        #expect(checkGradients([sample([3, 1])]) { $0[0].squeezed(axis: 1) }.maxError < tolerance)
    }

    @Test mutating func rowInnerProducts() {
        let x = sample([3, 5]), y = sample([3, 5])
        #expect(checkGradients([x, y]) { Variable.rowInnerProducts($0[0], $0[1]) }.maxError < tolerance)
        let products = Variable.rowInnerProducts(Variable(x), Variable(y)).value
        let difference = x - y
        for row in 0..<3 {
            let expected = [(x * x), (y * y), (x * y), (difference * difference)].map { $0.sum(alongAxis: 1)[row] }
            for (column, value) in expected.enumerated() { #expect(abs(products[row, column] - value) < 1e-5) }
        }
    }

    @Test mutating func fusedLSTMCell() {
        let gates = sample([3, 8], -2, 2)
        let cell = sample([3, 2])
        #expect(checkGradients([gates, cell]) { Variable.lstmCell(gates: $0[0], cell: $0[1]) }.maxError < tolerance)
        // Against the unfused formulas on one element: i, f, g, o from the four blocks.
        let out = Variable.lstmCell(gates: Variable(gates), cell: Variable(cell)).value
        func sigmoid(_ v: Float) -> Float { 1 / (1 + exp(-v)) }
        let c = sigmoid(gates[1, 3]) * cell[1, 1] + sigmoid(gates[1, 1]) * tanh(gates[1, 5])
        #expect(abs(out[1, 3] - c) < 1e-6)
        #expect(abs(out[1, 1] - sigmoid(gates[1, 7]) * tanh(c)) < 1e-6)
    }

    @Test mutating func matrixProducts() {
        let a = sample([3, 4])
        let aT = sample([4, 3])
        let b = sample([4, 5])
        let bT = sample([5, 4])
        #expect(checkGradients([a, b]) { Variable.matmul($0[0], $0[1]) }.maxError < tolerance)
        #expect(checkGradients([aT, b]) { Variable.matmul($0[0], $0[1], transposeA: true) }.maxError < tolerance)
        #expect(checkGradients([a, bT]) { Variable.matmul($0[0], $0[1], transposeB: true) }.maxError < tolerance)
        #expect(checkGradients([aT, bT]) { Variable.matmul($0[0], $0[1], transposeA: true, transposeB: true) }.maxError < tolerance)
        let bias = sample([5])
        for activation in Activation.allCases {
            let fused = checkGradients([a, b, bias]) { Variable.affine($0[0], $0[1], $0[2], activation: activation) }
            #expect(fused.maxError < tolerance, "\(activation): \(fused)")
            let value = Variable.affine(Variable(a), Variable(b), Variable(bias), activation: activation).value
            let separate = activation(Variable(Tensor.matmul(a, b) + bias)).value
            #expect(maxRelativeDifference(value, separate) < 1e-6, "\(activation)")
        }
        #expect(checkGradients([a, b]) { Variable.affine($0[0], $0[1], nil, activation: .tanh) }.maxError < tolerance)
    }

    @Test mutating func patchTransforms() {
        for padding in ConvolutionGeometry.Padding.allCases {
            let geometry = ConvolutionGeometry(
                batch: 2, inputHeight: 5, inputWidth: 4, channels: 2,
                kernel: (3, 2), strides: (2, 1), padding: padding)
            let images = sample(geometry.inputShape)
            let patches = sample([geometry.patchCount, geometry.patchLength])
            #expect(checkGradients([images]) { $0[0].im2col(geometry) }.maxError < tolerance)
            #expect(checkGradients([patches]) { $0[0].col2im(geometry) }.maxError < tolerance)
        }
    }

    /// A random symmetric positive-definite matrix `MMᵀ + n·0.5·I`.
    mutating func spd(_ n: Int) -> Tensor {
        let m = sample([n, n])
        return Tensor.matmul(m, m, transposeB: true) + Tensor.identity(n) * 0.5
    }

    @Test mutating func linearAlgebra() throws {
        for n in [1, 2, 4] {
            let a = spd(n)
            let b = sample([n, 3])
            let lower = try a.cholesky()
            #expect(try checkGradients([a], step: 1e-3) { try $0[0].cholesky(jitter: 1e-3) }.maxError < tolerance)
            #expect(checkGradients([lower, b], step: 1e-3) { $0[0].solveLowerTriangular($0[1]) }.maxError < tolerance)
            #expect(checkGradients([lower, b], step: 1e-3) { $0[0].solveLowerTriangular($0[1], transpose: true) }.maxError < tolerance)
            #expect(try checkGradients([a], step: 1e-3) { try $0[0].logDeterminant() }.maxError < tolerance)
            #expect(try checkGradients([a], step: 1e-3) { try $0[0].inverseSPD() }.maxError < tolerance)
        }
    }

    @Test func sharedInputsAccumulate() {
        // f(x) = x·x + x, so ∂f/∂x = 2x + 1 at x = 3 is 7.
        let x = Variable(Tensor(3), requiresGradient: true)
        (x * x + x).backward()
        #expect(x.gradient?.scalar == 7)
    }

    @Test func noGraphWithoutRecording() {
        let x = Variable(Tensor(2), requiresGradient: true)
        let y = GradientTape.withoutRecording { x * x }
        #expect(!y.isDifferentiable)
        let z = x * x
        #expect(z.isDifferentiable)
    }
}
