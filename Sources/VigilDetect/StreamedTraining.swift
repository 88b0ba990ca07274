import VigilData
import VigilNN
import VigilTensor

/// A detector that trains on rows which may live on disk (``VigilTensor/RowSource``): the
/// autoencoder, the VAE and the mixture detectors (AEGMM, DAGMM, VAEGMM). On an in-memory
/// tensor `fit(rows:options:)` is exactly ``OutlierDetector/fit(_:options:)``; on a
/// file-backed source the standardiser and the mixture come from streamed sums (the same
/// sums, in the same row order, as in memory) and the batches follow
/// ``VigilNN/BatchOrder/shuffledBlocks``, so memory holds a shuffle window, not the table.
public protocol RowSourceTraining: OutlierDetector {
    /// Trains on the normal rows of `rows` (`[rows, features]`).
    func fit<Rows: RowSource>(rows: Rows, options: FitOptions) throws -> TrainingHistory
}

/// Rows of a source with a standardiser applied as they are read.
struct StandardizedRows<Base: RowSource>: RowSource {
    let base: Base
    let standardizer: Standardizer
    var rowCount: Int { base.rowCount }
    var rowShape: [Int] { base.rowShape }
    var inMemory: Tensor? { nil }
    func rows(_ range: Range<Int>) throws -> Tensor { try standardizer.transform(try base.rows(range)) }
}

extension OutlierDetector {
    /// ``prepareTraining(_:options:)`` for rows that may live on disk: an in-memory source is
    /// prepared exactly as a tensor; a streamed one is checked chunk by chunk (shape, finite
    /// values), its standardiser fitted from streamed column sums, and returned standardised
    /// as it is read.
    func prepareTraining<Rows: RowSource>(rows: Rows, options: FitOptions) throws -> any RowSource {
        if let data = rows.inMemory { return try prepareTraining(data, options: options) }
        guard rows.rowShape == [featureCount], rows.rowCount > 0 else {
            throw DetectorError.featureCount(detector: Self.kind, expected: featureCount, actual: [rows.rowCount] + rows.rowShape)
        }
        try check(options)
        try rows.forEachChunk(of: 65_536) { start, chunk in
            guard chunk.shape == [chunk.shape.first ?? 0, featureCount] else {
                throw DetectorError.featureCount(detector: Self.kind, expected: featureCount, actual: chunk.shape)
            }
            if let bad = chunk.scalars.firstIndex(where: { !$0.isFinite }) {
                throw DetectorError.notFinite(detector: Self.kind, row: start + bad / featureCount, column: bad % featureCount)
            }
        }
        standardizer = options.standardize ? try Standardizer(fitting: rows) : nil
        training = TrainingRecord(options)
        guard let standardizer else { return rows }
        return StandardizedRows(base: rows, standardizer: standardizer)
    }

    /// ``train(_:on:options:loss:)`` over rows that may live on disk.
    func train(_ module: some Module, rows input: some RowSource, options: FitOptions, loss: (Variable) throws -> Variable) throws -> TrainingHistory {
        let trainer = Trainer(epochs: options.epochs, batchSize: options.batchSize, seed: options.seed, progress: options.progress)
        let adam = try Adam(learningRate: options.learningRate, globalClipNorm: options.gradientClipNorm)
        return try trainer.fit(module, optimizer: adam, rows: input) { batch in
            try loss(Variable(batch.inputs))
        }
    }

    /// Instance scores of every row of `rows` (raw data), chunk by chunk; feature scores are
    /// not kept, so memory holds one `Float` per row.
    public func scoreEachRow(of rows: some RowSource, chunkRows: Int = 65_536) throws -> [Float] {
        var scores: [Float] = []
        scores.reserveCapacity(rows.rowCount)
        try rows.forEachChunk(of: chunkRows) { start, chunk in
            do { scores += try score(chunk).instance } catch let DetectorError.nonFiniteScore(detector, row, stage) {
                throw DetectorError.nonFiniteScore(detector: detector, row: start + row, stage: stage)
            } catch let DetectorError.notFinite(detector, row, column) {
                throw DetectorError.notFinite(detector: detector, row: start + row, column: column)
            }
        }
        return scores
    }
}

extension LikelihoodCovariance {
    /// ``resolved(with:)`` for training rows that may live on disk: a covariance of the data
    /// needs them in memory.
    func resolved(with input: any RowSource, detector: String) throws -> LikelihoodCovariance {
        switch self {
        case .similarity, .diagonal, .full: return self
        case .diagonalOfData, .fullOfData:
            guard let data = input.inMemory else {
                throw DetectorError.invalidArgument(
                    name: "\(detector) covariance", expected: "similarity, diagonal or full when training rows are streamed from disk", actual: "\(self)")
            }
            return resolved(with: data)
        }
    }
}
