import VigilTensor

/// The order in which a training epoch visits the rows.
///
/// - ``permutation``: rows held in memory — each epoch a fresh seeded permutation of all
///   rows, cut into batches gathered by index.
/// - ``shuffledBlocks``: rows read from disk — the rows are grouped in blocks of
///   ``streamBlockRows`` consecutive rows; each epoch visits the blocks in a seeded
///   permutation, reads ``streamWindowBlocks`` of them at a time into a shuffle window (65,536
///   rows), permutes the window's rows (seeded) and cuts batches from it; rows short of a
///   full batch are carried into the next window, so every batch but the epoch's last is
///   full. Each row is visited once per epoch; only a window is in memory; reads are
///   sequential within a block. The order depends on the seed and the row count only.
///
/// Without shuffling both visit rows in order.
public enum BatchOrder: Sendable, Equatable {
    case permutation
    case shuffledBlocks

    /// Consecutive rows per block of the streamed order.
    public static let streamBlockRows = 4_096
    /// Blocks per shuffle window of the streamed order.
    public static let streamWindowBlocks = 16

    /// The order for `source`: ``permutation`` when it is in memory.
    init(_ source: some RowSource) {
        self = source.inMemory != nil ? .permutation : .shuffledBlocks
    }

    /// Calls `body(indices, rows)` for each batch of one epoch, drawing from `generator`.
    func forEachBatch(
        of source: some RowSource, batchSize: Int, shuffle: Bool, generator: inout SeededRandom, _ body: ([Int], Tensor) throws -> Void
    ) throws {
        let rows = source.rowCount
        if self == .permutation, let tensor = source.inMemory {
            let order = shuffle ? generator.permutation(rows) : Array(0..<rows)
            for start in stride(from: 0, to: rows, by: batchSize) {
                let indices = Array(order[start..<min(rows, start + batchSize)])
                try body(indices, tensor.gatherRows(indices))
            }
            return
        }
        let blockRows = Self.streamBlockRows
        let blockCount = (rows + blockRows - 1) / blockRows
        let blocks = shuffle ? generator.permutation(blockCount) : Array(0..<blockCount)
        var carried: (indices: [Int], rows: Tensor)?
        for windowStart in stride(from: 0, to: blockCount, by: Self.streamWindowBlocks) {
            var indices = carried?.indices ?? []
            var parts = carried.map { [$0.rows] } ?? []
            var fresh: [Int] = []
            for block in blocks[windowStart..<min(blockCount, windowStart + Self.streamWindowBlocks)] {
                let range = (block * blockRows)..<min(rows, (block + 1) * blockRows)
                let part = try source.rows(range)
                guard part.shape == [range.count] + source.rowShape else {
                    throw ModelError.shapeMismatch(component: "rows \(range) of the training source", expected: [range.count] + source.rowShape, actual: part.shape)
                }
                parts.append(part)
                fresh += Array(range)
            }
            // Only the window's new rows are permuted; carried rows lead the next batch.
            let offset = indices.count
            let order = shuffle ? generator.permutation(fresh.count).map { offset + $0 } : Array(offset..<(offset + fresh.count))
            indices += fresh
            let window = Tensor.concatenate(parts, alongAxis: 0)
            let visit = Array(0..<offset) + order
            let isLast = windowStart + Self.streamWindowBlocks >= blockCount
            var start = 0
            while visit.count - start >= batchSize || (isLast && start < visit.count) {
                let positions = Array(visit[start..<min(visit.count, start + batchSize)])
                try body(positions.map { indices[$0] }, window.gatherRows(positions))
                start += positions.count
            }
            carried = start < visit.count ? (visit[start...].map { indices[$0] }, window.gatherRows(Array(visit[start...]))) : nil
        }
    }
}
