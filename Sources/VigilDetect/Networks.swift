import VigilNN
import VigilTensor

/// A variational encoder–decoder (alibi-detect's `VAE`): `encoder` → two dense heads for
/// the latent mean and log-variance → `z = μ + e^{½ log σ²}·ε` → `decoder`.
///
/// The draw clamps `log σ²` to ±``logVarianceBound`` (σ ≤ e¹⁵): a row far outside the
/// training data (a standardised value in the hundreds) can drive the linear head past 176,
/// where `e^{½ log σ²}` overflows Float and the score would be NaN; clamped, it gets a huge
/// but finite reconstruction error, as an outlier should. Training rows stay far inside
/// the bound, so fitting is unchanged.
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

    /// The bound on `log σ²` in the draw.
    public static let logVarianceBound: Float = 30

    /// One pass with a fresh draw of `ε`: the reconstruction, the sampled code and the heads.
    public func callAsFunction(_ x: Variable, noise: inout SeededRandom) -> (reconstruction: Variable, z: Variable, mean: Variable, logVariance: Variable) {
        pass(x) { noise.normalTensor($0) }
    }

    /// One pass with the given noise `ε` (`[rows, latentDimension]`).
    public func callAsFunction(_ x: Variable, epsilon: Tensor) -> (reconstruction: Variable, z: Variable, mean: Variable, logVariance: Variable) {
        pass(x) { _ in epsilon }
    }

    /// The reconstructions of every row of `x` under `samples` draws, without recording:
    /// `[rows · samples, width]`, the draws of row `r` in rows `r·samples ..< (r+1)·samples`
    /// (the order of ``repeatRows(_:_:)``), with `epsilon` of `[rows · samples, latent]`.
    ///
    /// The encoder and the heads are deterministic, so they run once per row and only the
    /// decoder once per draw: the values of passing the repeated rows through
    /// ``callAsFunction(_:epsilon:)`` (up to the rounding of products of another row count),
    /// for about 30 % less work for an image VAE scored with 2 samples.
    public func sampledReconstructions(_ x: Tensor, samples: Int, epsilon: Tensor) -> Tensor {
        GradientTape.withoutRecording {
            let hidden = encoder(Variable(x))
            let rows = Array((0..<x.shape[0]).lazy.flatMap { Array(repeating: $0, count: samples) })
            return decoder(Self.draw(mean(hidden).gatherRows(rows), logVariance(hidden).gatherRows(rows), epsilon)).value
        }
    }

    private func pass(_ x: Variable, _ epsilon: ([Int]) -> Tensor) -> (reconstruction: Variable, z: Variable, mean: Variable, logVariance: Variable) {
        let hidden = encoder(x)
        let mu = mean(hidden)
        let logVar = logVariance(hidden)
        let z = Self.draw(mu, logVar, epsilon(mu.shape))
        return (decoder(z), z, mu, logVar)
    }

    /// `z = μ + e^{½ log σ²}·ε` with `log σ²` clamped to ±``logVarianceBound``.
    private static func draw(_ mu: Variable, _ logVar: Variable, _ epsilon: Tensor) -> Variable {
        mu + (logVar.clamped(to: -logVarianceBound, logVarianceBound) * 0.5).exp() * epsilon
    }
}

/// The sampling noise for scoring `data` with `samples` draws per row: `[rows · samples,
/// width]`, the draws of row `r` in rows `r·samples ..< (r+1)·samples` (the order of
/// ``repeatRows(_:_:)``).
///
/// Each row's draws come from a generator keyed by `seed` and the bits of the row's own
/// values, not from one stream over the batch: a record gets the same noise, hence the same
/// score, whatever its position, its batch, the chunking or the thread count. (alibi-detect
/// draws fresh noise on every call, so its scores are not reproducible at all.)
func rowKeyedNoise(_ data: Tensor, samples: Int, width: Int, seed: UInt64) -> Tensor {
    let (rows, columns) = (data.shape[0], data.shape[1])
    var noise = [Float](repeating: 0, count: rows * samples * width)
    data.withUnsafeBufferPointer { values in
        for row in 0..<rows {
            var key = seed ^ 0x9E37_79B9_7F4A_7C15
            for column in 0..<columns { key = SeededRandom.mix((key ^ UInt64(values[row * columns + column].bitPattern)) &+ 0x9E37_79B9_7F4A_7C15) }
            var generator = SeededRandom(seed: key)
            for index in (row * samples * width)..<((row + 1) * samples * width) { noise[index] = generator.normal() }
        }
    }
    return Tensor(shape: [rows * samples, width], scalars: noise)
}

/// Which reconstruction features join the code in a DAGMM's `z`.
public enum ReconstructionFeatureStyle: String, Codable, Sendable, CaseIterable {
    /// alibi-detect's `eucl_cosim_features` as it is documented: `[−cos(x, x̂), e]` with
    /// `e = ‖x̂ − x‖ / (min(‖x̂‖, ‖x‖) + 1e-12)` clipped to `[0, 100]`. The cosine's sign
    /// follows Keras's `cosine_similarity` loss, which returns `−cos`. Vigil's default.
    case alibi
    /// What alibi-detect (0.13) actually computes, for detectors trained there: its
    /// `eucl_cosim_features` calls `relative_euclidean_distance(y, x, -1)`, so the `−1`
    /// lands in the `eps` slot and `e = ‖x̂ − x‖ / (min(‖x̂‖, ‖x‖) − 1)`, clipped to
    /// `[0, 100]` — 0 for every row whose smaller norm is below 1, 100 just above it.
    /// A deviation from the intended formula (``alibi``); use it only to score weights
    /// trained by alibi-detect exactly as alibi does.
    case alibiAsReleased = "alibi-as-released"
    /// The DAGMM paper's: `[‖x − x̂‖ / ‖x‖, cos(x, x̂)]`.
    case paper
    /// For standardised tables: `[‖x − x̂‖ / √features, cos(x, x̂)]`, the root-mean-square
    /// error. Dividing by `‖x‖` (``paper``, ``alibi``) suits non-negative data such as KDD's
    /// one-hot view; after standardisation a normal row near the mean has a small norm and a
    /// huge relative distance, while an outlier far from it has a small one, which turns the
    /// energy upside down (ROC AUC below 0.5 on most tables of the tuning corpus).
    case rootMeanSquare = "rms"

    /// The names of the two features, in their order in `z`.
    public var featureNames: [String] {
        switch self {
        case .alibi, .alibiAsReleased: ["−Cosine similarity", "Relative Euclidean distance"]
        case .paper: ["Relative Euclidean distance", "Cosine similarity"]
        case .rootMeanSquare: ["Root-mean-square error", "Cosine similarity"]
        }
    }
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
    func smallerNorm() -> Variable { (inputNorm + reconstructionNorm - (inputNorm - reconstructionNorm).abs()) * 0.5 }
    switch style {
    case .alibi:
        return Variable.concatenate([-cosine, (distance / (smallerNorm() + 1e-12)).clamped(to: 0, 100)], alongAxis: 1)
    case .alibiAsReleased:
        return Variable.concatenate([-cosine, (distance / (smallerNorm() - 1)).clamped(to: 0, 100)], alongAxis: 1)
    case .paper:
        return Variable.concatenate([distance / inputNorm, cosine], alongAxis: 1)
    case .rootMeanSquare:
        return Variable.concatenate([distance * (1 / Float(x.value.shape[1]).squareRoot()), cosine], alongAxis: 1)
    }
}

/// Repeats every row `times` times in place (`[a, b] → [a, a, b, b]`), as `np.repeat`.
func repeatRows(_ data: Tensor, _ times: Int) -> Tensor {
    data.gatherRows((0..<data.shape[0]).flatMap { Array(repeating: $0, count: times) })
}

extension VariationalAutoencoder {
    /// The saved network's parts (`encoder`, `mean`, `logVariance`, `decoder`), with the
    /// heads fitting the encoder and the decoder giving back `featureCount` values; also
    /// returns the latent width.
    static func restore(from saved: SavedParts) throws -> (network: VariationalAutoencoder, latent: Int) {
        let network = try VariationalAutoencoder(
            encoder: saved.layer("encoder"), mean: saved.layer("mean"), logVariance: saved.layer("logVariance"), decoder: saved.layer("decoder"))
        let hidden = try saved.width(saved.featureCount, through: [("encoder", network.encoder)])
        let latent = try saved.width(hidden, through: [("mean", network.mean)])
        try saved.require(try saved.width(hidden, through: [("logVariance", network.logVariance)]), latent, "network \"logVariance\"")
        try saved.require(try saved.width(latent, through: [("decoder", network.decoder)]), saved.featureCount, "the reconstruction (network \"decoder\")")
        return (network, latent)
    }
}

/// Scores `data` in pieces of `⌊min(65,536, 2²⁰ / features) / samples⌋` rows, so that the
/// `samples`-fold repeated batch holds at most 65,536 rows of a table and at most 2²⁰ values
/// (341 rows of a 32×32×3 image, whose 4×4 stride-2 convolutions unfold 4 patch values per
/// input value per layer: a larger batch only streams gigabytes through memory; 128 images
/// with 2 samples score 1.4× as fast as 2,000 at once here). Row-keyed noise gives a row the
/// same draws in any piece; its score is the same up to the rounding of products of another
/// row count (OpenBLAS switches to its small-matrix kernels below about 10⁶ multiply-adds).
func inSampleBatches(_ data: Tensor, samples: Int, _ body: (Tensor) throws -> OutlierScores) rethrows -> OutlierScores {
    let rows = data.shape[0]
    let piece = max(1, min(65_536, (1 << 20) / max(data.shape[1], 1)) / max(samples, 1))
    if rows <= piece { return try body(data) }
    return OutlierScores(concatenating: try stride(from: 0, to: rows, by: piece).map { try body(data.slice(alongAxis: 0, $0..<min(rows, $0 + piece))) })
}
