import VigilTensor

/// Standardisation `(x − mean) / std` with the mean and population standard deviation
/// (divisor `n`, as NumPy's default and alibi-detect's examples) fitted per column.
/// A column with zero deviation is stored with deviation 1, so it is only centred (NumPy
/// would divide by zero); a stored deviation is therefore always positive.
public struct Standardizer: AffineColumnScaler, Codable, Equatable {
    public var mean: [Float]
    public var standardDeviation: [Float]

    public init(mean: [Float], standardDeviation: [Float]) {
        precondition(mean.count == standardDeviation.count, "Standardizer: \(mean.count) means, \(standardDeviation.count) deviations")
        self.mean = mean
        self.standardDeviation = standardDeviation
    }

    /// Fits the column statistics of `data` (`[rows, columns]`), accumulating in `Double`.
    public init(fitting data: Tensor) {
        let statistics = ColumnStatistics(data)
        self.init(mean: statistics.mean, standardDeviation: statistics.standardDeviation.map { $0 > 0 ? $0 : 1 })
    }

    /// Fits the column statistics of every row of `rows`, read chunk by chunk: the same sums
    /// in the same row order as ``init(fitting:)-(Tensor)``, so the same standardiser.
    public init(fitting rows: some RowSource) throws {
        let statistics = try ColumnStatistics(rows)
        self.init(mean: statistics.mean, standardDeviation: statistics.standardDeviation.map { $0 > 0 ? $0 : 1 })
    }

    var offset: [Float] { mean }
    var divisor: [Float] { standardDeviation }
}

/// Min-max scaling `(x − min) / (max − min)` per column, fitted on training data; columns
/// where `max = min` map to 0.
public struct MinMaxScaler: AffineColumnScaler, Codable, Equatable {
    public var minimum: [Float]
    public var maximum: [Float]

    public init(minimum: [Float], maximum: [Float]) {
        precondition(minimum.count == maximum.count, "MinMaxScaler: \(minimum.count) minima, \(maximum.count) maxima")
        self.minimum = minimum
        self.maximum = maximum
    }

    /// Fits the column minima and maxima of `data` (`[rows, columns]`).
    public init(fitting data: Tensor) {
        let statistics = ColumnStatistics(data)
        self.init(minimum: statistics.minimum, maximum: statistics.maximum)
    }

    var offset: [Float] { minimum }
    /// Not clipped: test data outside the training range falls outside `[0, 1]`, as
    /// scikit-learn's `MinMaxScaler` does.
    var divisor: [Float] { zip(minimum, maximum).map { $1 > $0 ? $1 - $0 : 1 } }
}

/// A scaler that maps every column by `(x − offset) / divisor`.
public protocol ColumnScaler: Sendable {
    /// Scales every row of `data` (`[rows, columns]`).
    ///
    /// - Throws: ``DataError/invalidArgument(name:expected:actual:)`` when the column count
    ///   differs from the fitted one.
    func transform(_ data: Tensor) throws -> Tensor

    /// Maps scaled rows back to the original units.
    func inverseTransform(_ data: Tensor) throws -> Tensor
}

protocol AffineColumnScaler: ColumnScaler {
    var offset: [Float] { get }
    var divisor: [Float] { get }
}

extension AffineColumnScaler {
    public func transform(_ data: Tensor) throws -> Tensor {
        let count = offset.count
        guard data.rank == 2, data.shape[1] == count else {
            throw DataError.invalidArgument(name: "\(Self.self) input", expected: "shape [rows, \(count)]", actual: "\(data.shape)")
        }
        return (data - Tensor(shape: [count], scalars: offset)) / Tensor(shape: [count], scalars: divisor)
    }

    public func inverseTransform(_ data: Tensor) throws -> Tensor {
        let count = offset.count
        guard data.rank == 2, data.shape[1] == count else {
            throw DataError.invalidArgument(name: "\(Self.self) input", expected: "shape [rows, \(count)]", actual: "\(data.shape)")
        }
        return data * Tensor(shape: [count], scalars: divisor) + Tensor(shape: [count], scalars: offset)
    }
}

/// Per-column minimum, maximum, mean and population standard deviation.
struct ColumnStatistics {
    var minimum: [Float]
    var maximum: [Float]
    var mean: [Float]
    var standardDeviation: [Float]

    init(_ data: Tensor) {
        precondition(data.rank == 2 && data.shape[0] > 0, "column statistics: expected a non-empty matrix, got shape \(data.shape)")
        var accumulator = Accumulator(columns: data.shape[1])
        data.withUnsafeBufferPointer { accumulator.addValues($0) }
        let means = accumulator.means(rows: data.shape[0])
        data.withUnsafeBufferPointer { accumulator.addSquares($0, means: means) }
        self.init(accumulator, means: means, rows: data.shape[0])
    }

    /// The statistics of every row of `rows` (`[features]` each), in two passes of chunks.
    init(_ rows: some RowSource, chunkRows: Int = 65_536) throws {
        guard rows.rowShape.count == 1, rows.rowCount > 0 else {
            throw DataError.invalidArgument(name: "column statistics rows", expected: "a non-empty table", actual: "\([rows.rowCount] + rows.rowShape)")
        }
        var accumulator = Accumulator(columns: rows.rowShape[0])
        try rows.forEachChunk(of: chunkRows) { _, chunk in chunk.withUnsafeBufferPointer { accumulator.addValues($0) } }
        let means = accumulator.means(rows: rows.rowCount)
        try rows.forEachChunk(of: chunkRows) { _, chunk in chunk.withUnsafeBufferPointer { accumulator.addSquares($0, means: means) } }
        self.init(accumulator, means: means, rows: rows.rowCount)
    }

    private init(_ accumulator: Accumulator, means: [Double], rows: Int) {
        minimum = accumulator.low
        maximum = accumulator.high
        mean = means.map { Float($0) }
        standardDeviation = accumulator.squares.map { Float(($0 / Double(rows)).squareRoot()) }
    }

    /// Running per-column minimum, maximum, sum and centred squares, row by row in `Double`.
    private struct Accumulator {
        let columns: Int
        var low: [Float], high: [Float], sum: [Double], squares: [Double]

        init(columns: Int) {
            self.columns = columns
            low = [Float](repeating: .infinity, count: columns)
            high = [Float](repeating: -.infinity, count: columns)
            sum = [Double](repeating: 0, count: columns)
            squares = [Double](repeating: 0, count: columns)
        }

        mutating func addValues(_ x: UnsafeBufferPointer<Float>) {
            for row in 0..<(x.count / max(columns, 1)) {
                for column in 0..<columns {
                    let value = x[row * columns + column]
                    low[column] = Swift.min(low[column], value)
                    high[column] = Swift.max(high[column], value)
                    sum[column] += Double(value)
                }
            }
        }

        func means(rows: Int) -> [Double] { sum.map { $0 / Double(rows) } }

        mutating func addSquares(_ x: UnsafeBufferPointer<Float>, means: [Double]) {
            for row in 0..<(x.count / max(columns, 1)) {
                for column in 0..<columns {
                    let centred = Double(x[row * columns + column]) - means[column]
                    squares[column] += centred * centred
                }
            }
        }
    }
}
