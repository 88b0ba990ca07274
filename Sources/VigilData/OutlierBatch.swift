import VigilTensor

extension Dataset {
    /// A batch of `samples` rows with `outlierPercentage` % outliers, as alibi-detect's
    /// `create_outlier_batch`: `int(p·0.01·n)` rows drawn from target 1 and
    /// `int((100 − p)·0.01·n)` from target 0 — each group without replacement when it has
    /// enough rows, otherwise with replacement — then concatenated and shuffled. With
    /// `samples == 1` the single row is an outlier with probability `p / 100`.
    ///
    /// - Throws: ``DataError/invalidArgument(name:expected:actual:)`` without targets, for a
    ///   percentage outside `[0, 100]`, `samples < 1`, or a group that is empty but needed.
    public func outlierBatch(samples: Int, outlierPercentage: Double, seed: UInt64) throws -> Dataset {
        guard let targets else {
            throw DataError.invalidArgument(name: "data set", expected: "targets (0 = inlier, 1 = outlier)", actual: "none")
        }
        guard samples >= 1 else { throw DataError.invalidArgument(name: "samples", expected: "at least 1", actual: "\(samples)") }
        guard (0...100).contains(outlierPercentage) else {
            throw DataError.invalidArgument(name: "outlier percentage", expected: "a value in [0, 100]", actual: "\(outlierPercentage)")
        }
        var generator = SeededRandom(seed: seed)
        let normal = targets.indices.filter { targets[$0] == 0 }
        let outlier = targets.indices.filter { targets[$0] == 1 }
        let outlierCount: Int
        let normalCount: Int
        if samples == 1 {
            outlierCount = Double(generator.uniform()) < outlierPercentage / 100 ? 1 : 0
            normalCount = 1 - outlierCount
        } else {
            outlierCount = Int(outlierPercentage * 0.01 * Double(samples))
            normalCount = Int((100 - outlierPercentage) * 0.01 * Double(samples))
        }
        func draw(_ pool: [Int], _ count: Int, _ name: String) throws -> [Int] {
            if count == 0 { return [] }
            guard !pool.isEmpty else {
                throw DataError.invalidArgument(name: "data set", expected: "rows with target \(name)", actual: "none")
            }
            let picks = pool.count >= count
                ? generator.sampleWithoutReplacement(count, from: pool.count)
                : generator.sampleWithReplacement(count, from: pool.count)
            return picks.map { pool[$0] }
        }
        var indices = try draw(normal, normalCount, "0") + draw(outlier, outlierCount, "1")
        generator.shuffle(&indices)
        return rows(indices)
    }

    /// The rows in a random order.
    public func shuffled(seed: UInt64) -> Dataset {
        var generator = SeededRandom(seed: seed)
        return rows(generator.permutation(count))
    }

    /// A random split into a training part and a test part holding `testFraction` of the rows
    /// (rounded down), both in random order.
    public func split(testFraction: Double, seed: UInt64) throws -> (train: Dataset, test: Dataset) {
        guard (0...1).contains(testFraction) else {
            throw DataError.invalidArgument(name: "test fraction", expected: "a value in [0, 1]", actual: "\(testFraction)")
        }
        var generator = SeededRandom(seed: seed)
        let order = generator.permutation(count)
        let testCount = Int(testFraction * Double(count))
        return (rows(Array(order[testCount...])), rows(Array(order[..<testCount])))
    }

    /// Consecutive mini-batches of at most `size` rows, in row order or shuffled by `seed`.
    public func batches(size: Int, shuffleSeed: UInt64? = nil) throws -> [Dataset] {
        guard size >= 1 else { throw DataError.invalidArgument(name: "batch size", expected: "at least 1", actual: "\(size)") }
        var order = Array(0..<count)
        if let shuffleSeed {
            var generator = SeededRandom(seed: shuffleSeed)
            generator.shuffle(&order)
        }
        return stride(from: 0, to: count, by: size).map { rows(Array(order[$0..<min(count, $0 + size)])) }
    }
}
