extension Tensor {
    /// The column means and the covariance matrix of a `[rows, columns]` matrix, accumulated
    /// in `Double`: `C_ij = Σ_n (x_ni − μ_i)(x_nj − μ_j) / (rows − delta)` (`delta` 0 is the
    /// population covariance, 1 the sample covariance). The matrix is row-major `columns²`.
    public func columnCovariance(delta: Int = 0) -> (mean: [Double], covariance: [Double]) {
        precondition(rank == 2 && shape[0] > delta, "columnCovariance: expected a matrix with more than \(delta) rows, got shape \(shape)")
        let (rows, d) = (shape[0], shape[1])
        var mean = [Double](repeating: 0, count: d)
        var covariance = [Double](repeating: 0, count: d * d)
        withUnsafeBufferPointer { x in
            for row in 0..<rows { for j in 0..<d { mean[j] += Double(x[row * d + j]) } }
            mean = mean.map { $0 / Double(rows) }
            for row in 0..<rows {
                for i in 0..<d {
                    let a = Double(x[row * d + i]) - mean[i]
                    for j in i..<d { covariance[i * d + j] += a * (Double(x[row * d + j]) - mean[j]) }
                }
            }
        }
        let divisor = Double(rows - delta)
        for i in 0..<d {
            for j in i..<d {
                covariance[i * d + j] /= divisor
                covariance[j * d + i] = covariance[i * d + j]
            }
        }
        return (mean, covariance)
    }
}

/// NumPy's default percentile: linear interpolation between closest ranks,
/// `q/100·(n−1)` into the sorted values.
///
/// - Precondition: `values` is not empty and `q` is in `[0, 100]`.
public func percentile(_ values: [Float], _ q: Double) -> Float {
    precondition(!values.isEmpty, "percentile: no values")
    precondition((0...100).contains(q), "percentile: q \(q) outside [0, 100]")
    let sorted = values.sorted()
    let position = q / 100 * Double(sorted.count - 1)
    let lower = Int(position.rounded(.down))
    let upper = min(lower + 1, sorted.count - 1)
    let fraction = position - Double(lower)
    return Float(Double(sorted[lower]) + fraction * (Double(sorted[upper]) - Double(sorted[lower])))
}
