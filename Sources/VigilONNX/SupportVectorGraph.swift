import VigilDetect

extension OneClassSVM: ONNXScoring {
    /// `ρ − Σᵢ αᵢ exp(−γ ‖x − sᵢ‖²)` over the support vectors `sᵢ`, with `‖x − s‖²` as
    /// `‖x‖² + ‖s‖² − 2 x·s` floored at 0, as ``VigilDetect/OneClassSVM`` scores.
    func emitScores(of x: String, into graph: inout ONNXGraph, latent: LatentScoring) throws -> (instance: String, feature: String?) {
        guard let supportVectors, let coefficients else { throw ONNXExportError.unfitted(kind: Self.kind, missing: "support vectors") }
        let count = coefficients.count
        return graph.within("svm") { graph in
            let rowNorms = graph.reduce("ReduceSum", graph.apply("Mul", x, x), axes: [1], keepDimensions: true)
            let vectorNorms = supportVectors.pow(2).sum(alongAxis: 1).scalars
            let cross = graph.apply("MatMul", x, graph.constant("support_vectors_t", supportVectors.transposed))
            let distance = graph.apply(
                "Sub", graph.apply("Add", rowNorms, graph.constant("support_norms", vectorNorms, shape: [1, count])),
                graph.apply("Mul", cross, graph.scalar("two", 2)))
            let kernel = graph.apply("Exp", graph.apply("Mul", graph.apply("Relu", distance), graph.scalar("minus_gamma", -configuration.gamma)))
            let decision = graph.apply("MatMul", kernel, graph.constant("coefficients", coefficients.scalars, shape: [count, 1]))
            let score = graph.apply("Sub", graph.scalar("rho", rho), graph.reshape(decision, [-1]))
            return (score, nil)
        }
    }
}
