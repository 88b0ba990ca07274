import VigilDetect
import VigilNN
import VigilTensor

/// A detector kind whose scoring can be written as an ONNX graph.
protocol ONNXScoring: OutlierDetector {
    /// Emits the scores of the model input `x` (`[N, D]`, standardised when the detector
    /// standardises): the instance score `[N]` and, for the kinds that have them, the
    /// feature scores `[N, D]`.
    func emitScores(of x: String, into graph: inout ONNXGraph, latent: LatentScoring) throws -> (instance: String, feature: String?)
}

extension OutlierAE: ONNXScoring {
    func emitScores(of x: String, into graph: inout ONNXGraph, latent: LatentScoring) throws -> (instance: String, feature: String?) {
        let code = try graph.within("encoder") { try $0.emit(network.encoder, input: x, network: "encoder") }
        let reconstruction = try graph.within("decoder") { try $0.emit(network.decoder, input: code, network: "decoder") }
        let feature = graph.squaredError(x, reconstruction)
        return (graph.instanceScore(featureScores: feature, percentage: configuration.outlierPercentage, width: featureCount), feature)
    }
}

extension PCADetector: ONNXScoring {
    func emitScores(of x: String, into graph: inout ONNXGraph, latent: LatentScoring) throws -> (instance: String, feature: String?) {
        guard let mean, let components else { throw ONNXExportError.unfitted(kind: Self.kind, missing: "components") }
        let centred = graph.apply("Sub", x, graph.constant("pca.mean", mean))
        let projected = graph.apply("MatMul", centred, graph.constant("pca.components_t", components.transposed))
        let reconstruction = graph.apply("MatMul", projected, graph.constant("pca.components", components))
        let feature = graph.squaredError(centred, reconstruction)
        return (graph.reduce("ReduceMean", feature, axes: [-1], keepDimensions: false), feature)
    }
}

extension OutlierAEGMM: ONNXScoring {
    func emitScores(of x: String, into graph: inout ONNXGraph, latent: LatentScoring) throws -> (instance: String, feature: String?) {
        guard let mixture else { throw ONNXExportError.unfitted(kind: Self.kind, missing: "mixture") }
        let code = try graph.within("encoder") { try $0.emit(network.encoder, input: x, network: "encoder") }
        let reconstruction = try graph.within("decoder") { try $0.emit(network.decoder, input: code, network: "decoder") }
        let features = graph.reconstructionFeatures(x, reconstruction, style: configuration.features, width: featureCount)
        let z = graph.node("Concat", [code, features], attributes: [ONNXGraph.attribute("axis", -1)])[0]
        return (graph.mixtureEnergy(z, mixture), nil)
    }
}

extension OutlierVAE: ONNXScoring {
    func emitScores(of x: String, into graph: inout ONNXGraph, latent: LatentScoring) throws -> (instance: String, feature: String?) {
        let pass = try graph.variationalPass(network, x, latent: latent, samples: configuration.samples, seed: configuration.seed)
        let map: (scale: [Float], offset: [Float])?
        do { map = try featureScoreMap() } catch {
            throw ONNXExportError.unsupportedScore(kind: Self.kind, score: "\(configuration.scoreType.rawValue) (\(error))")
        }
        var perDraw = graph.squaredError(x, pass.reconstruction)
        if let map {
            perDraw = graph.apply(
                "Add", graph.apply("Mul", perDraw, graph.constant("score.scale", map.scale, shape: [featureCount])),
                graph.constant("score.offset", map.offset, shape: [featureCount]))
        }
        let feature = pass.drawsAxis ? graph.reduce("ReduceMean", perDraw, axes: [0], keepDimensions: false) : perDraw
        return (graph.instanceScore(featureScores: feature, percentage: configuration.outlierPercentage, width: featureCount), feature)
    }
}

extension OutlierVAEGMM: ONNXScoring {
    func emitScores(of x: String, into graph: inout ONNXGraph, latent: LatentScoring) throws -> (instance: String, feature: String?) {
        guard let mixture else { throw ONNXExportError.unfitted(kind: Self.kind, missing: "mixture") }
        let pass = try graph.variationalPass(network.autoencoder, x, latent: latent, samples: configuration.samples, seed: configuration.seed)
        let features = graph.reconstructionFeatures(
            pass.drawsAxis ? graph.apply("Expand", x, graph.integers("draws_shape", [configuration.samples, 1, 1])) : x,
            pass.reconstruction, style: configuration.features, width: featureCount)
        var z = graph.node("Concat", [pass.z, features], attributes: [ONNXGraph.attribute("axis", -1)])[0]
        guard pass.drawsAxis else { return (graph.mixtureEnergy(z, mixture), nil) }
        // [S, N, L + 2] → [S·N, L + 2] for the mixture, then the mean energy over the draws.
        let width = mixture.means.shape[1]
        z = graph.reshape(z, [-1, width])
        let energy = graph.reshape(graph.mixtureEnergy(z, mixture), [configuration.samples, -1])
        return (graph.reduce("ReduceMean", energy, axes: [0], keepDimensions: false), nil)
    }
}

extension ONNXGraph {
    /// The variational encoder–decoder on `x`: with ``LatentScoring/mean``, `z = μ` and
    /// values of `[N, …]`; sampled, `samples` draws `z = μ + e^{½ clip(log σ², ±30)}·ε` with
    /// `ε` from `RandomNormalLike` (ONNX Runtime's generator, seeded, not Vigil's row-keyed
    /// noise) and values of `[S, N, …]`.
    mutating func variationalPass(_ network: VariationalAutoencoder, _ x: String, latent: LatentScoring, samples: Int, seed: UInt64) throws
        -> (reconstruction: String, z: String, drawsAxis: Bool)
    {
        let hidden = try within("encoder") { try $0.emit(network.encoder, input: x, network: "encoder") }
        let mean = try within("mean") { try $0.emit(network.mean, input: hidden, network: "mean") }
        switch latent {
        case .mean:
            let reconstruction = try within("decoder") { try $0.emit(network.decoder, input: mean, network: "decoder") }
            return (reconstruction, mean, false)
        case .sampled:
            let logVariance = try within("logVariance") { try $0.emit(network.logVariance, input: hidden, network: "logVariance") }
            let z = within("draw") { graph in
                let bound = VariationalAutoencoder.logVarianceBound
                let clipped = graph.apply("Clip", logVariance, graph.scalar("low", -bound), graph.scalar("high", bound))
                let deviation = graph.apply("Exp", graph.apply("Mul", clipped, graph.scalar("half", 0.5)))
                let draws = graph.integers("draws_shape", [samples, 1, 1])
                let means = graph.apply("Expand", graph.unsqueeze(mean, axes: [0]), draws)
                let deviations = graph.apply("Expand", graph.unsqueeze(deviation, axes: [0]), draws)
                let epsilon = graph.apply(
                    "RandomNormalLike", means,
                    attributes: [ONNXGraph.attribute("seed", Float(seed % (1 << 24))), ONNXGraph.attribute("dtype", 1)])
                return graph.apply("Add", means, graph.apply("Mul", deviations, epsilon))
            }
            let reconstruction = try within("decoder") { try $0.emit(network.decoder, input: z, network: "decoder") }
            return (reconstruction, z, true)
        }
    }
}
