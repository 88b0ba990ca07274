import Foundation
import VigilData
import VigilNN
import VigilTensor

/// Isolation Forest (Liu, Ting & Zhou, 2008), the baseline every detector is compared with,
/// with scikit-learn's defaults: 100 trees, each grown on 256 rows drawn without replacement
/// (all rows when there are fewer), to the height limit ⌈log₂ 256⌉ = 8.
///
/// - Tree: at each node a feature is drawn uniformly among those not constant in the node,
///   and a split uniformly in its (min, max); a node of one row, of identical rows, or at
///   the height limit is a leaf holding its row count.
/// - Score: `s(x) = 2^(−E[h(x)] / c(ψ))` in (0, 1], higher is more anomalous, where `h(x)` is
///   the depth of the leaf `x` reaches plus `c(size)` of that leaf, `ψ` the rows per tree and
///   `c(n) = 2H(n − 1) − 2(n − 1)/n` (`H(i) = ln i + γ`; `c(1) = 0`, `c(2) = 1`), the mean path
///   length of an unsuccessful search in a binary search tree. (scikit-learn's
///   `score_samples` returns `−s`.)
/// - Deterministic: tree `t` is grown from a generator seeded by (seed, t), so the forest does
///   not depend on the thread count.
public final class IsolationForest: OutlierDetector {
    public static let kind = "IsolationForest"

    public struct Configuration: Codable, Sendable, Equatable {
        public var trees = 100
        /// Rows drawn for each tree (`max_samples`).
        public var samplesPerTree = 256
        public var seed: UInt64 = 0
        public init(trees: Int = 100, samplesPerTree: Int = 256, seed: UInt64 = 0) {
            self.trees = trees
            self.samplesPerTree = samplesPerTree
            self.seed = seed
        }
    }

    /// Every tree's nodes in one table: node `i` splits on `feature[i]` at `threshold[i]`
    /// (left: `x < threshold`) into `left[i]` and `right[i]`, or is a leaf (`feature[i] = −1`)
    /// holding `size[i]` rows; tree `t`'s root is `roots[t]`.
    public struct Forest: Sendable, Equatable {
        public var feature: [Int32] = []
        public var threshold: [Float] = []
        public var left: [Int32] = []
        public var right: [Int32] = []
        public var size: [Int32] = []
        public var roots: [Int32] = []
        /// The rows each tree was grown on (ψ).
        public var samplesPerTree = 1
    }

    public var configuration: Configuration
    public let featureCount: Int
    public var standardizer: Standardizer?
    public var threshold: Threshold?
    public var training: TrainingRecord?
    public private(set) var forest: Forest?

    public init(featureCount: Int, configuration: Configuration = Configuration()) throws {
        // Node indices are saved as Float32 (exact up to 2²⁴): at most 2²⁴ nodes in all.
        guard (1...10_000).contains(configuration.trees), (2...1_000_000).contains(configuration.samplesPerTree),
            configuration.trees * (2 * configuration.samplesPerTree - 1) <= 1 << 24
        else {
            throw DetectorError.invalidArgument(
                name: "IsolationForest configuration", expected: "1…10,000 trees of 2…1,000,000 rows, at most 2²⁴ nodes in all",
                actual: "\(configuration.trees) trees of \(configuration.samplesPerTree) rows")
        }
        self.featureCount = featureCount
        self.configuration = configuration
    }

    /// Grows the forest; of `options` only `standardize` is used (the forest is scale-free,
    /// so standardising changes nothing but the stored thresholds' units).
    public func fit(_ data: Tensor, options: FitOptions) throws -> TrainingHistory {
        let input = try prepareTraining(data, options: options)
        let (rows, width) = (input.shape[0], input.shape[1])
        let samples = min(configuration.samplesPerTree, rows)
        let heightLimit = Int(Foundation.log2(Double(max(samples, 2))).rounded(.up))
        var trees = [Forest](repeating: Forest(), count: configuration.trees)
        let values = input.scalars
        trees.withUnsafeMutableBufferPointer { buffer in
            let slots = UnsafeSendableSlots(buffer.baseAddress!)
            parallelForEach(configuration.trees) { tree in
                var generator = SeededRandom(seed: configuration.seed &+ 0x1F0_2E57 &+ UInt64(tree) &* 0x9E37_79B9)
                let chosen = generator.sampleWithoutReplacement(samples, from: rows)
                var grown = Forest()
                _ = Self.grow(chosen, depth: 0, limit: heightLimit, values: values, width: width, generator: &generator, into: &grown)
                slots.pointer[tree] = grown
            }
        }
        var forest = Forest(samplesPerTree: samples)
        for tree in trees {
            let offset = Int32(forest.feature.count)
            forest.roots.append(offset)
            forest.feature += tree.feature
            forest.threshold += tree.threshold
            forest.left += tree.left.map { $0 < 0 ? $0 : $0 + offset }
            forest.right += tree.right.map { $0 < 0 ? $0 : $0 + offset }
            forest.size += tree.size
        }
        self.forest = forest
        return TrainingHistory()
    }

    /// Grows the subtree of `rows` and returns its root's index in `tree`.
    private static func grow(
        _ rows: [Int], depth: Int, limit: Int, values: [Float], width: Int, generator: inout SeededRandom, into tree: inout Forest
    ) -> Int32 {
        let index = Int32(tree.feature.count)
        func leaf() -> Int32 {
            tree.feature.append(-1)
            tree.threshold.append(0)
            tree.left.append(-1)
            tree.right.append(-1)
            tree.size.append(Int32(rows.count))
            return index
        }
        guard rows.count > 1, depth < limit else { return leaf() }
        var ranges: [(feature: Int, low: Float, high: Float)] = []
        for feature in 0..<width {
            var (low, high) = (Float.infinity, -Float.infinity)
            for row in rows {
                let value = values[row * width + feature]
                low = min(low, value)
                high = max(high, value)
            }
            if high > low { ranges.append((feature, low, high)) }
        }
        guard !ranges.isEmpty else { return leaf() }
        let (feature, low, high) = ranges[generator.integer(below: ranges.count)]
        // In Double, so that a range wider than Float's (±3e38) cannot overflow; clamped so
        // that both sides are non-empty.
        let drawn = Double(low) + Double(generator.uniform()) * (Double(high) - Double(low))
        let split = min(max(Float(drawn), low.nextUp), high)
        tree.feature.append(Int32(feature))
        tree.threshold.append(split)
        tree.left.append(-1)
        tree.right.append(-1)
        tree.size.append(Int32(rows.count))
        let leftRows = rows.filter { values[$0 * width + feature] < split }
        let rightRows = rows.filter { values[$0 * width + feature] >= split }
        let leftChild = grow(leftRows, depth: depth + 1, limit: limit, values: values, width: width, generator: &generator, into: &tree)
        let rightChild = grow(rightRows, depth: depth + 1, limit: limit, values: values, width: width, generator: &generator, into: &tree)
        tree.left[Int(index)] = leftChild
        tree.right[Int(index)] = rightChild
        return index
    }

    /// `c(n)`: the mean path length of an unsuccessful search among `n` keys,
    /// `2H(n − 1) − 2(n − 1)/n` with `H(i) = ln i + γ`; `c(1) = 0`, `c(2) = 1`.
    public static func averagePathLength(_ n: Int) -> Double {
        if n <= 1 { return 0 }
        if n == 2 { return 1 }
        let m = Double(n - 1)
        return 2 * (Foundation.log(m) + 0.577_215_664_901_532_9) - 2 * m / Double(n)
    }

    /// The divisor of the mean depth in the score `2^(−mean depth / divisor)`: `c(ψ)` of the
    /// trees' sample size ψ, at least 1e-12 (a forest of one-row trees has `c(1) = 0`).
    public static func depthNormaliser(samplesPerTree: Int) -> Double { max(averagePathLength(samplesPerTree), 1e-12) }

    public func scoreModelInput(_ data: Tensor) throws -> OutlierScores {
        guard let forest else {
            throw DetectorError.invalidArgument(name: "IsolationForest", expected: "a fitted detector", actual: "no trees; call fit")
        }
        let (rows, width) = (data.shape[0], data.shape[1])
        let normaliser = Self.depthNormaliser(samplesPerTree: forest.samplesPerTree)
        let values = data.scalars
        let scores = (0..<rows).map { row -> Float in
            var total = 0.0
            for root in forest.roots {
                var node = Int(root)
                var depth = 0
                while forest.feature[node] >= 0 {
                    let value = values[row * width + Int(forest.feature[node])]
                    node = Int(value < forest.threshold[node] ? forest.left[node] : forest.right[node])
                    depth += 1
                }
                total += Double(depth) + Self.averagePathLength(Int(forest.size[node]))
            }
            let meanDepth = total / Double(forest.roots.count)
            return Float(Foundation.pow(2, -meanDepth / normaliser))
        }
        return OutlierScores(instance: scores, feature: nil)
    }

    /// A forest restored from saved parts, checked: every child index points forward within
    /// the table (so every walk ends), every split feature exists, every threshold is finite.
    convenience init(featureCount: Int, configuration: Configuration, forest: Forest, file: String) throws {
        let count = forest.feature.count
        for node in 0..<count {
            let feature = Int(forest.feature[node])
            if feature < 0 { continue }
            guard feature < featureCount, forest.threshold[node].isFinite,
                Int(forest.left[node]) > node, Int(forest.left[node]) < count, Int(forest.right[node]) > node, Int(forest.right[node]) < count
            else {
                throw PersistenceError.malformed(file: file, problem: "isolation tree node \(node) is not a valid split (feature \(feature) of \(featureCount), children \(forest.left[node]), \(forest.right[node]) of \(count) nodes)")
            }
        }
        guard forest.roots.count == configuration.trees, forest.roots.allSatisfy({ (0..<Int32(count)).contains($0) }),
            forest.size.allSatisfy({ $0 >= 1 }), forest.samplesPerTree >= 1
        else {
            throw PersistenceError.malformed(file: file, problem: "the isolation forest's roots, leaf sizes or rows per tree are out of range")
        }
        // Every node has at most one parent (so the nodes form trees, walked once each), and no
        // leaf lies deeper than 64 (so scoring a row costs at most 64 steps a tree).
        var parents = [Int](repeating: 0, count: count)
        for node in forest.roots.map(Int.init) + (0..<count).filter({ forest.feature[$0] >= 0 }).flatMap({ [Int(forest.left[$0]), Int(forest.right[$0])] }) {
            parents[node] += 1
        }
        var depth = [Int](repeating: 0, count: count)
        for node in 0..<count where forest.feature[node] >= 0 {
            depth[Int(forest.left[node])] = depth[node] + 1
            depth[Int(forest.right[node])] = depth[node] + 1
        }
        guard parents.allSatisfy({ $0 <= 1 }), depth.allSatisfy({ $0 <= 64 }) else {
            throw PersistenceError.malformed(file: file, problem: "the isolation forest's nodes do not form trees of depth ≤ 64")
        }
        try self.init(featureCount: featureCount, configuration: configuration)
        self.forest = forest
    }
}

extension IsolationForest: RegisteredDetector {
    public static let settingsKey: String? = "iforest"
    public var settings: Configuration { configuration }
    public var trainedNetwork: (any Module)? { nil }

    public func stateTensors() throws -> [(name: String, tensor: Tensor)] {
        guard let forest else { throw PersistenceError.notFitted(kind: Self.kind) }
        func column(_ values: [Int32]) -> Tensor { Tensor(shape: [values.count], scalars: values.map(Float.init)) }
        return [
            ("iforest.feature", column(forest.feature)), ("iforest.threshold", Tensor(shape: [forest.threshold.count], scalars: forest.threshold)),
            ("iforest.left", column(forest.left)), ("iforest.right", column(forest.right)), ("iforest.size", column(forest.size)),
            ("iforest.roots", column(forest.roots)), ("iforest.samplesPerTree", Tensor(shape: [1], scalars: [Float(forest.samplesPerTree)])),
        ]
    }

    public static func restore(from saved: inout SavedParts, settings: Configuration) throws -> IsolationForest {
        guard let nodes = saved.storedShape("iforest.feature")?.first, let trees = saved.storedShape("iforest.roots")?.first else {
            throw saved.malformedWeights("the isolation forest's tensors are missing")
        }
        func integers(_ name: String, _ count: Int) throws -> [Int32] {
            let values = try saved.tensor(name, shape: [count]).scalars
            guard let bad = values.firstIndex(where: { $0 != $0.rounded() || abs($0) > 16_777_216 }) else { return values.map { Int32($0) } }
            throw saved.malformedWeights("tensor \"\(name)\" holds \(values[bad]) at element \(bad); expected whole numbers")
        }
        let forest = Forest(
            feature: try integers("iforest.feature", nodes), threshold: try saved.tensor("iforest.threshold", shape: [nodes]).scalars,
            left: try integers("iforest.left", nodes), right: try integers("iforest.right", nodes), size: try integers("iforest.size", nodes),
            roots: try integers("iforest.roots", trees), samplesPerTree: Int(try integers("iforest.samplesPerTree", 1)[0]))
        return try IsolationForest(featureCount: saved.featureCount, configuration: settings, forest: forest, file: saved.loader.file)
    }
}
