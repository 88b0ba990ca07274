import Foundation
import VigilData
import VigilNN
import VigilTensor

/// A one-class support vector machine with an RBF kernel (Schölkopf et al. 2001), as
/// LIBSVM and scikit-learn's `OneClassSVM` define it; deepad's last model (γ 0.5, ν 1e-4).
///
/// Fitting solves the exact dual, `min ½ αᵀQα` subject to `0 ≤ αᵢ ≤ 1`, `Σ αᵢ = νl`,
/// `Qᵢⱼ = exp(−γ‖xᵢ − xⱼ‖²)`, by sequential minimal optimisation with LIBSVM's
/// second-order working-set selection and its stopping rule (maximal violation below
/// `tolerance`). Kernel columns are computed on demand (one matrix–vector product and a
/// vectorised exponential over the training rows) and kept in a bounded cache, so memory
/// is O(rows), not O(rows²): the exact solver handles the ~100,000 training rows of deepad's
/// protocol in seconds because small ν leaves few support vectors to move. (A random-feature
/// approximation would trade that exactness for speed only at large ν; it is not needed here.)
///
/// The decision function is `f(x) = Σ αᵢ K(xᵢ, x) − ρ` over the support vectors; the
/// outlier score is `−f(x)` (scikit-learn's `−decision_function`), so scores above 0 lie
/// outside the learned region.
public final class OneClassSVM: OutlierDetector {
    public static let kind = "OneClassSVM"

    public struct Configuration: Codable, Sendable, Equatable {
        /// An upper bound on the share of training outliers and a lower bound on the share of support vectors, in (0, 1].
        public var nu: Double = 0.5
        /// The RBF kernel's `γ` in `exp(−γ‖a − b‖²)`.
        public var gamma: Float = 0.5
        /// Stop when the maximal KKT violation falls below this (LIBSVM's `eps`).
        public var tolerance: Double = 1e-3
        /// The kernel-column cache, in MiB (scikit-learn's `cache_size`).
        public var cacheMegabytes: Int = 200
        /// Fit on at most this many training rows, drawn without replacement with `seed` (the
        /// solver's cost grows with the square of the rows); `nil`: every row.
        public var maximumTrainingRows: Int?
        public var seed: UInt64 = 0

        public init(
            nu: Double = 0.5, gamma: Float = 0.5, tolerance: Double = 1e-3, cacheMegabytes: Int = 200, maximumTrainingRows: Int? = nil,
            seed: UInt64 = 0
        ) {
            self.nu = nu
            self.gamma = gamma
            self.tolerance = tolerance
            self.cacheMegabytes = cacheMegabytes
            self.maximumTrainingRows = maximumTrainingRows
            self.seed = seed
        }

        enum CodingKeys: String, CodingKey { case nu, gamma, tolerance, cacheMegabytes, maximumTrainingRows, seed }

        /// Decodes a saved configuration; the subsampling settings, added later, default to none.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            nu = try container.decode(Double.self, forKey: .nu)
            gamma = try container.decode(Float.self, forKey: .gamma)
            tolerance = try container.decode(Double.self, forKey: .tolerance)
            cacheMegabytes = try container.decode(Int.self, forKey: .cacheMegabytes)
            maximumTrainingRows = try container.decodeIfPresent(Int.self, forKey: .maximumTrainingRows)
            seed = try container.decodeIfPresent(UInt64.self, forKey: .seed) ?? 0
        }
    }

    public var configuration: Configuration
    public let featureCount: Int
    public var standardizer: Standardizer?
    public var threshold: Threshold?
    public var training: TrainingRecord?
    /// The training rows with `αᵢ > 0`, `[m, features]`.
    public private(set) var supportVectors: Tensor?
    /// Their `αᵢ`, `[m]`.
    public private(set) var coefficients: Tensor?
    /// The offset `ρ`.
    public private(set) var rho: Float = 0
    /// Solver iterations of the last fit.
    public private(set) var iterations = 0

    public init(featureCount: Int, configuration: Configuration = Configuration()) throws {
        try Self.validate(configuration)
        self.featureCount = featureCount
        self.configuration = configuration
    }

    private static func validate(_ configuration: Configuration) throws {
        guard configuration.nu > 0, configuration.nu <= 1, configuration.gamma > 0, configuration.gamma.isFinite, configuration.tolerance > 0,
            (1...1 << 20).contains(configuration.cacheMegabytes), (configuration.maximumTrainingRows ?? 1) >= 1
        else {
            throw DetectorError.invalidArgument(
                name: "OneClassSVM configuration", expected: "ν in (0, 1], γ > 0, tolerance > 0, cache > 0",
                actual: "ν \(configuration.nu), γ \(configuration.gamma), tolerance \(configuration.tolerance), cache \(configuration.cacheMegabytes)")
        }
    }

    /// A detector restored from saved parts.
    init(featureCount: Int, configuration: Configuration, supportVectors: Tensor, coefficients: Tensor, rho: Float) throws {
        try Self.validate(configuration)
        self.featureCount = featureCount
        self.configuration = configuration
        self.supportVectors = supportVectors
        self.coefficients = coefficients
        self.rho = rho
    }

    /// Solves the dual on `data`; of `options` only `standardize` is used (there are no epochs).
    public func fit(_ data: Tensor, options: FitOptions) throws -> TrainingHistory {
        var input = try prepareTraining(data, options: options)
        if let limit = configuration.maximumTrainingRows, input.shape[0] > limit {
            var generator = SeededRandom(seed: configuration.seed &+ 0x0C5F)
            input = input.gatherRows(generator.sampleWithoutReplacement(limit, from: input.shape[0]).sorted())
        }
        var kernel = KernelColumns(data: input, gamma: configuration.gamma, cacheBytes: configuration.cacheMegabytes << 20)
        let solution = SequentialMinimalOptimization.solve(kernel: &kernel, nu: configuration.nu, tolerance: configuration.tolerance)
        let support = solution.alpha.indices.filter { solution.alpha[$0] > 0 }
        supportVectors = input.gatherRows(support)
        coefficients = Tensor(shape: [support.count], scalars: support.map { Float(solution.alpha[$0]) })
        rho = Float(solution.rho)
        iterations = solution.iterations
        return TrainingHistory()
    }

    /// `Σ αᵢ K(xᵢ, x) − ρ` for each row.
    public func decisionFunction(_ data: Tensor) throws -> [Float] {
        try score(data).instance.map { -$0 }
    }

    public func scoreModelInput(_ data: Tensor) throws -> OutlierScores {
        guard let supportVectors, let coefficients else {
            throw DetectorError.invalidArgument(name: "OneClassSVM", expected: "a fitted detector", actual: "no support vectors; call fit")
        }
        // Rows in blocks, so the kernel block (rows × support vectors) stays near 64 MiB
        // however many support vectors a large ν leaves.
        return OutlierScores(instance: scores(data, supportVectors, coefficients, blockRows: max(1, (16 << 20) / coefficients.count)), feature: nil)
    }

    /// `ρ − Σ αᵢ K(xᵢ, x)` for each row, `blockRows` rows at a time.
    func scores(_ data: Tensor, _ supportVectors: Tensor, _ coefficients: Tensor, blockRows: Int) -> [Float] {
        let (rows, count) = (data.shape[0], coefficients.count)
        var scores: [Float] = []
        scores.reserveCapacity(rows)
        for start in stride(from: 0, to: rows, by: blockRows) {
            let block = data.slice(alongAxis: 0, start..<min(rows, start + blockRows))
            let decision = Tensor.matmul(rbfKernel(block, supportVectors, gamma: configuration.gamma), coefficients.reshaped([count, 1]))
            scores += decision.scalars.map { rho - $0 }
        }
        return scores
    }
}

/// `exp(−γ‖aᵢ − bⱼ‖²)` for every pair of rows, `[rows of a, rows of b]`.
func rbfKernel(_ a: Tensor, _ b: Tensor, gamma: Float) -> Tensor {
    let aNorms = a.pow(2).sum(alongAxis: 1).scalars
    let bNorms = b.pow(2).sum(alongAxis: 1).scalars
    var exponent = Tensor.matmul(a, b, transposeB: true)
    let columns = b.shape[0]
    exponent.withUnsafeMutableBufferPointer { values in
        for index in values.indices {
            values[index] = -gamma * max(0, aNorms[index / columns] + bNorms[index % columns] - 2 * values[index])
        }
    }
    return exponent.exp()
}

/// Columns of the training kernel matrix, computed on demand and cached up to a byte budget
/// (the oldest column is dropped first).
struct KernelColumns {
    let data: Tensor
    let gamma: Float
    let capacity: Int
    private var cache: [Int: [Float]] = [:]
    private var order: [Int] = []

    init(data: Tensor, gamma: Float, cacheBytes: Int) {
        self.data = data
        self.gamma = gamma
        capacity = max(2, cacheBytes / max(1, data.shape[0] * MemoryLayout<Float>.size))
    }

    var count: Int { data.shape[0] }

    /// `K(xₜ, xᵢ)` for every training row `t`.
    mutating func column(_ i: Int) -> [Float] {
        if let cached = cache[i] { return cached }
        let values = rbfKernel(data, data.slice(alongAxis: 0, i..<(i + 1)), gamma: gamma).scalars
        if order.count >= capacity { cache[order.removeFirst()] = nil }
        cache[i] = values
        order.append(i)
        return values
    }
}

/// LIBSVM's solver for the one-class dual (all labels +1, no linear term).
enum SequentialMinimalOptimization {
    struct Solution {
        var alpha: [Double]
        var rho: Double
        var iterations: Int
    }

    static func solve(kernel: inout KernelColumns, nu: Double, tolerance: Double) -> Solution {
        let l = kernel.count
        // LIBSVM's start: the first ⌊νl⌋ at the bound 1, the next holding the remainder.
        var alpha = [Double](repeating: 0, count: l)
        let total = nu * Double(l)
        let full = min(l, Int(total))
        for i in 0..<full { alpha[i] = 1 }
        if full < l { alpha[full] = total - Double(full) }
        var gradient = [Double](repeating: 0, count: l)
        for i in 0..<l where alpha[i] > 0 {
            let column = kernel.column(i)
            for t in 0..<l { gradient[t] += alpha[i] * Double(column[t]) }
        }
        let tau = 1e-12
        let maxIterations = max(10_000_000, 100 * l)
        var iterations = 0
        while iterations < maxIterations {
            // i: the most violating index that can grow; j: second-order choice among those that can shrink.
            var gMax = -Double.infinity
            var i = -1
            for t in 0..<l where alpha[t] < 1 && -gradient[t] >= gMax {
                gMax = -gradient[t]
                i = t
            }
            guard i >= 0 else { break }
            let columnI = kernel.column(i)
            var gMax2 = -Double.infinity
            var j = -1
            var best = Double.infinity
            for t in 0..<l where alpha[t] > 0 {
                gMax2 = max(gMax2, gradient[t])
                let b = gMax + gradient[t]
                if b > 0 {
                    var a = 2 - 2 * Double(columnI[t])
                    if a <= 0 { a = tau }
                    if -(b * b) / a <= best {
                        best = -(b * b) / a
                        j = t
                    }
                }
            }
            if gMax + gMax2 < tolerance || j < 0 { break }
            iterations += 1
            let columnJ = kernel.column(j)
            var quadratic = 2 - 2 * Double(columnI[j])
            if quadratic <= 0 { quadratic = tau }
            let (oldI, oldJ) = (alpha[i], alpha[j])
            let delta = (gradient[i] - gradient[j]) / quadratic
            let sum = oldI + oldJ
            var newI = oldI - delta
            var newJ = oldJ + delta
            if sum > 1 {
                if newI > 1 { (newI, newJ) = (1, sum - 1) }
                if newJ > 1 { (newJ, newI) = (1, sum - 1) }
            } else {
                if newJ < 0 { (newJ, newI) = (0, sum) }
                if newI < 0 { (newI, newJ) = (0, sum) }
            }
            alpha[i] = newI
            alpha[j] = newJ
            let (deltaI, deltaJ) = (newI - oldI, newJ - oldJ)
            for t in 0..<l { gradient[t] += Double(columnI[t]) * deltaI + Double(columnJ[t]) * deltaJ }
        }
        return Solution(alpha: alpha, rho: offset(alpha: alpha, gradient: gradient), iterations: iterations)
    }

    /// LIBSVM's `ρ`: the mean gradient over free variables, or the middle of the feasible
    /// interval (its finite end when it is open, as with ν = 1).
    static func offset(alpha: [Double], gradient: [Double]) -> Double {
        var (upper, lower) = (Double.infinity, -Double.infinity)
        var (sum, free) = (0.0, 0)
        for t in alpha.indices {
            if alpha[t] >= 1 {
                lower = max(lower, gradient[t])
            } else if alpha[t] <= 0 {
                upper = min(upper, gradient[t])
            } else {
                sum += gradient[t]
                free += 1
            }
        }
        if free > 0 { return sum / Double(free) }
        // With ν = 1 every α sits at its upper bound and the interval is open above.
        return upper.isFinite && lower.isFinite ? (upper + lower) / 2 : (upper.isFinite ? upper : lower)
    }
}

extension OneClassSVM: RegisteredDetector {
    public static let settingsKey: String? = "ocsvm"
    public var settings: Configuration { configuration }
    public var trainedNetwork: (any Module)? { nil }

    public func stateTensors() throws -> [(name: String, tensor: Tensor)] {
        guard let supportVectors, let coefficients else { throw PersistenceError.notFitted(kind: Self.kind) }
        return [("ocsvm.supportVectors", supportVectors), ("ocsvm.coefficients", coefficients), ("ocsvm.rho", Tensor(shape: [1], scalars: [rho]))]
    }

    public static func restore(from saved: inout SavedParts, settings: Configuration) throws -> OneClassSVM {
        let d = saved.featureCount
        guard let stored = saved.storedShape("ocsvm.coefficients"), stored.count == 1, stored[0] > 0 else {
            throw saved.malformedWeights("tensor \"ocsvm.coefficients\" must be [m ≥ 1]")
        }
        let supportVectors = try saved.tensor("ocsvm.supportVectors", shape: [stored[0], d])
        let coefficients = try saved.tensor("ocsvm.coefficients", shape: [stored[0]])
        let rho = try saved.tensor("ocsvm.rho", shape: [1])
        if let bad = coefficients.scalars.firstIndex(where: { $0 < 0 }) {
            throw saved.malformedWeights("tensor \"ocsvm.coefficients\" holds \(coefficients.scalars[bad]) at element \(bad); dual coefficients must be ≥ 0")
        }
        do {
            return try OneClassSVM(featureCount: d, configuration: settings, supportVectors: supportVectors, coefficients: coefficients, rho: rho.scalars[0])
        } catch {
            throw saved.malformed("\(error)")
        }
    }
}
