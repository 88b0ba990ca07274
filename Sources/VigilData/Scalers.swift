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
        let (rows, columns) = (data.shape[0], data.shape[1])
        var low = [Float](repeating: .infinity, count: columns)
        var high = [Float](repeating: -.infinity, count: columns)
        var sum = [Double](repeating: 0, count: columns)
        data.withUnsafeBufferPointer { x in
            for row in 0..<rows {
                for column in 0..<columns {
                    let value = x[row * columns + column]
                    low[column] = Swift.min(low[column], value)
                    high[column] = Swift.max(high[column], value)
                    sum[column] += Double(value)
                }
            }
        }
        let means = sum.map { $0 / Double(rows) }
        var squares = [Double](repeating: 0, count: columns)
        data.withUnsafeBufferPointer { x in
            for row in 0..<rows {
                for column in 0..<columns {
                    let centred = Double(x[row * columns + column]) - means[column]
                    squares[column] += centred * centred
                }
            }
        }
        minimum = low
        maximum = high
        mean = means.map { Float($0) }
        standardDeviation = squares.map { Float(($0 / Double(rows)).squareRoot()) }
    }
}
