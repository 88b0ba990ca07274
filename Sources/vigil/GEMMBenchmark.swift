import VigilTensor

/// Times square single-precision matrix products.
enum GEMMBenchmark {
    /// The best GFLOP/s (`2n³` per product) over repeated `n × n` products, after a warm-up.
    static func gigaflops(size n: Int, path: GEMM.Path) -> Double {
        var random = SeededRandom(seed: UInt64(n))
        let a = random.uniformTensor([n, n], -1, 1)
        let b = random.uniformTensor([n, n], -1, 1)
        _ = Tensor.matmul(a, b, path: path)
        var best = Double.infinity
        var spent = 0.0
        var repetitions = 0
        while repetitions < 3 || (spent < 0.5 && repetitions < 1000) {
            let start = ContinuousClock.now
            _ = Tensor.matmul(a, b, path: path)
            let seconds = (ContinuousClock.now - start).inSeconds
            best = min(best, seconds)
            spent += seconds
            repetitions += 1
        }
        return 2 * Double(n) * Double(n) * Double(n) / best / 1e9
    }
}
