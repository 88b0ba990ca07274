/// Rows of a table that may live on disk: training, standardisation and mixture fitting read
/// them range by range, so a table larger than memory is never loaded whole.
///
/// A ``Tensor`` is a source of its own rows (``inMemory`` is the tensor itself); a file-backed
/// source reads `[count, columns…]` rows on demand and has no in-memory form.
public protocol RowSource {
    /// The number of rows.
    var rowCount: Int { get }
    /// The shape of one row (`[features]` for a table).
    var rowShape: [Int] { get }
    /// Rows `range` in order, as `[range.count] + rowShape`.
    func rows(_ range: Range<Int>) throws -> Tensor
    /// Every row at once when the source holds them in memory, else `nil`.
    var inMemory: Tensor? { get }
}

extension Tensor: RowSource {
    public var rowCount: Int { shape.first ?? 0 }
    public var rowShape: [Int] { Array(shape.dropFirst()) }
    public func rows(_ range: Range<Int>) throws -> Tensor { slice(alongAxis: 0, range) }
    public var inMemory: Tensor? { self }
}

extension RowSource {
    /// Calls `body(start, rows)` for consecutive ranges of at most `chunkRows` rows, in order.
    public func forEachChunk(of chunkRows: Int = 16_384, _ body: (Int, Tensor) throws -> Void) throws {
        for start in stride(from: 0, to: rowCount, by: max(chunkRows, 1)) {
            try body(start, try rows(start..<min(rowCount, start + max(chunkRows, 1))))
        }
    }
}
