import Foundation
import VigilDetect
import VigilNN
import VigilTensor

/// The pieces of the detectors' scores shared by several kinds, as ONNX nodes. Each mirrors
/// the Vigil function it names, operation for operation, so the exported graph rounds as
/// Vigil does up to the order of sums.
extension ONNXGraph {
    /// ``VigilDetect/reconstructionFeatures(_:_:style:)``: two columns per row from `x` and
    /// its reconstruction `x̂` (`[…, D]` each) → `[…, 2]`.
    mutating func reconstructionFeatures(_ x: String, _ reconstruction: String, style: ReconstructionFeatureStyle, width: Int) -> String {
        within("features") { graph in
            let tiny = graph.scalar("epsilon", 1e-12)
            func rowSum(_ value: String, _ graph: inout ONNXGraph) -> String {
                graph.reduce("ReduceSum", value, axes: [-1], keepDimensions: true)
            }
            let inputNorm = graph.apply("Sqrt", graph.apply("Add", rowSum(graph.apply("Mul", x, x), &graph), tiny))
            let reconstructionNorm = graph.apply("Sqrt", graph.apply("Add", rowSum(graph.apply("Mul", reconstruction, reconstruction), &graph), tiny))
            let residual = graph.apply("Sub", x, reconstruction)
            let distance = graph.apply("Sqrt", graph.apply("Add", rowSum(graph.apply("Mul", residual, residual), &graph), tiny))
            let cosine = graph.apply(
                "Div", rowSum(graph.apply("Mul", x, reconstruction), &graph), graph.apply("Mul", inputNorm, reconstructionNorm))
            let columns: [String]
            switch style {
            case .alibi, .alibiAsReleased:
                // min(a, b) as Vigil writes it, (a + b − |a − b|) / 2, so the two round alike.
                let gap = graph.apply("Abs", graph.apply("Sub", inputNorm, reconstructionNorm))
                let smaller = graph.apply(
                    "Mul", graph.apply("Sub", graph.apply("Add", inputNorm, reconstructionNorm), gap), graph.scalar("half", 0.5))
                let denominator = style == .alibi ? graph.apply("Add", smaller, tiny) : graph.apply("Sub", smaller, graph.scalar("one", 1))
                let relative = graph.apply("Clip", graph.apply("Div", distance, denominator), graph.scalar("low", 0), graph.scalar("high", 100))
                columns = [graph.apply("Neg", cosine), relative]
            case .paper:
                columns = [graph.apply("Div", distance, inputNorm), cosine]
            case .rootMeanSquare:
                columns = [graph.apply("Mul", distance, graph.scalar("scale", 1 / Float(width).squareRoot())), cosine]
            }
            return graph.node("Concat", columns, attributes: [Self.attribute("axis", -1)])[0]
        }
    }

    /// ``VigilNN/GaussianMixture/energy(_:_:)`` of `z` (`[N, D]`) under fitted parameters → `[N]`:
    /// `−logsumexp_k (c_k − ½‖W_k(z − μ_k)‖²)` with `W_k = L_k⁻¹` and
    /// `c_k = log φ_k − ½(log det Σ_k + D log 2π)` computed here from Vigil's own factors.
    mutating func mixtureEnergy(_ z: String, _ mixture: GaussianMixture.Parameters) -> String {
        within("energy") { graph in
            let (components, dimension) = (mixture.means.shape[0], mixture.means.shape[1])
            // Row vectors: (z − μ_k) · W_kᵀ, for all components at once as [K, N, D] · [K, D, D].
            var transposedInverses: [Float] = []
            var constants: [Float] = []
            let logTwoPi = Float(dimension) * Float(Foundation.log(2 * Double.pi))
            for component in 0..<components {
                let inverse = mixture.choleskyFactors[component].value.solveLowerTriangular(Tensor.identity(dimension))
                transposedInverses += inverse.transposed.scalars
                let logWeight = Foundation.log(mixture.weights.value.scalars[component])
                constants.append(logWeight - (mixture.logDeterminants[component].value.scalars[0] + logTwoPi) * 0.5)
            }
            let means = graph.constant("means", mixture.means.value)
            let centred = graph.apply("Sub", graph.unsqueeze(z, axes: [1]), means)  // [N, K, D]
            let byComponent = graph.apply("Transpose", centred, attributes: [Self.attribute("perm", ints: [1, 0, 2])])  // [K, N, D]
            let whitened = graph.apply(
                "MatMul", byComponent, graph.constant("inverse_factors_t", transposedInverses, shape: [components, dimension, dimension]))
            let distance = graph.reduce("ReduceSum", graph.apply("Mul", whitened, whitened), axes: [2], keepDimensions: false)  // [K, N]
            let logDensity = graph.apply(
                "Add", graph.apply("Mul", distance, graph.scalar("minus_half", -0.5)), graph.constant("log_constants", constants, shape: [components, 1]))
            return graph.apply("Neg", graph.reduce("ReduceLogSumExp", logDensity, axes: [0], keepDimensions: false))
        }
    }

    /// The instance score from feature scores `[N, D]`: the mean of the top ⌈p/100·D⌉ per
    /// row (``VigilDetect/instanceScores(_:percentage:)``) → `[N]`.
    mutating func instanceScore(featureScores: String, percentage: Double, width: Int) -> String {
        let kept = max(1, Int((percentage / 100 * Double(width)).rounded(.up)))
        if kept >= width { return reduce("ReduceMean", featureScores, axes: [-1], keepDimensions: false) }
        let top = node("TopK", [featureScores, integers("k", [kept])], attributes: [Self.attribute("axis", -1)], outputs: 2)[0]
        return reduce("ReduceMean", top, axes: [-1], keepDimensions: false)
    }

    /// `(x − x̂)²`, element-wise.
    mutating func squaredError(_ x: String, _ reconstruction: String) -> String {
        let residual = apply("Sub", x, reconstruction)
        return apply("Mul", residual, residual)
    }
}
