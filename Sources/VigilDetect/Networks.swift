import VigilNN
import VigilTensor

/// A variational encoder–decoder (alibi-detect's `VAE`): `encoder` → two dense heads for
/// the latent mean and log-variance → `z = μ + e^{½ log σ²}·ε` → `decoder`.
public final class VariationalAutoencoder: Module {
    public let encoder: Sequential
    public let mean: Dense
    public let logVariance: Dense
    public let decoder: Sequential

    /// A network from parts; the heads read the encoder's output width.
    public init(encoder: Sequential, mean: Dense, logVariance: Dense, decoder: Sequential) {
        self.encoder = encoder
        self.mean = mean
        self.logVariance = logVariance
        self.decoder = decoder
    }

    /// A network whose heads (`Dense(latentDimension)`, linear, Keras init) sit on `encoder`'s output of `encodedWidth`.
    public convenience init(encoder: Sequential, encodedWidth: Int, latentDimension: Int, decoder: Sequential, generator: inout SeededRandom) {
        self.init(
            encoder: encoder,
            mean: Dense(inputSize: encodedWidth, outputSize: latentDimension, generator: &generator),
            logVariance: Dense(inputSize: encodedWidth, outputSize: latentDimension, generator: &generator),
            decoder: decoder)
    }

    public var latentDimension: Int { mean.outputSize }

    /// One pass with a fresh draw of `ε`: the reconstruction, the sampled code and the heads.
    public func callAsFunction(_ x: Variable, noise: inout SeededRandom) -> (reconstruction: Variable, z: Variable, mean: Variable, logVariance: Variable) {
        let hidden = encoder(x)
        let mu = mean(hidden)
        let logVar = logVariance(hidden)
        let epsilon = noise.normalTensor(mu.shape)
        let z = mu + (logVar * 0.5).exp() * epsilon
        return (decoder(z), z, mu, logVar)
    }
}

/// Which reconstruction features join the code in a DAGMM's `z`.
public enum ReconstructionFeatureStyle: String, Codable, Sendable, CaseIterable {
    /// alibi-detect's `eucl_cosim_features`: `[−cos(x, x̂), e]` with
    /// `e = ‖x̂ − x‖ / (min(‖x̂‖, ‖x‖) + 1e-12)` clipped to `[0, 100]`. The cosine's sign
    /// follows Keras's `cosine_similarity` loss, which returns `−cos`.
    case alibi
    /// The DAGMM paper's: `[‖x − x̂‖ / ‖x‖, cos(x, x̂)]`.
    case paper
}

/// The two reconstruction features of each row (`[N, 2]`) in the given style.
public func reconstructionFeatures(_ x: Variable, _ reconstruction: Variable, style: ReconstructionFeatureStyle = .alibi) -> Variable {
    // ‖x‖², ‖x̂‖², x·x̂ and ‖x − x̂‖² per row in one pass; the rest works on [N, 1] columns.
    let products = Variable.rowInnerProducts(x, reconstruction)
    func column(_ index: Int) -> Variable { products.slice(alongAxis: 1, index..<(index + 1)) }
    let inputNorm = (column(0) + 1e-12).sqrt()
    let reconstructionNorm = (column(1) + 1e-12).sqrt()
    let distance = (column(3) + 1e-12).sqrt()
    let cosine = column(2) / (inputNorm * reconstructionNorm)
    switch style {
    case .alibi:
        let smaller = (inputNorm + reconstructionNorm - (inputNorm - reconstructionNorm).abs()) * 0.5
        let relative = (distance / (smaller + 1e-12)).clamped(to: 0, 100)
        return Variable.concatenate([-cosine, relative], alongAxis: 1)
    case .paper:
        return Variable.concatenate([distance / inputNorm, cosine], alongAxis: 1)
    }
}

/// Repeats every row `times` times in place (`[a, b] → [a, a, b, b]`), as `np.repeat`.
func repeatRows(_ data: Tensor, _ times: Int) -> Tensor {
    data.gatherRows((0..<data.shape[0]).flatMap { Array(repeating: $0, count: times) })
}
