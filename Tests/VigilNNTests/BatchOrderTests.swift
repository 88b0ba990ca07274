import Testing
import VigilNN
import VigilTensor
import _TestSupport

/// The streamed batch order: every row once per epoch, full batches, reads of whole blocks,
/// a window at a time, decided by the seed alone.
@Suite("Streamed batch order")
struct BatchOrderTests {
    /// Rows `0..<rows` with each row's value its index, so a batch names its rows.
    func numbered(_ rows: Int) -> Tensor { Tensor(shape: [rows, 1], scalars: (0..<rows).map(Float.init)) }

    /// The batches (as row numbers read from the data) of `epochs` epochs over `source`.
    func batches(_ source: some RowSource, batchSize: Int, epochs: Int = 1, seed: UInt64 = 1, shuffle: Bool = true) throws -> [[[Int]]] {
        var epochsSeen: [[[Int]]] = Array(repeating: [], count: epochs)
        var random = SeededRandom(seed: 0)
        let module = Dense(inputSize: 1, outputSize: 1, generator: &random)
        let trainer = Trainer(epochs: epochs, batchSize: batchSize, shuffle: shuffle, seed: seed, progress: .silent)
        _ = try trainer.run(module, rows: source) { batch in
            let rows = batch.inputs.scalars.map { Int($0) }
            #expect(rows == batch.indices, "a batch's indices name its rows")
            epochsSeen[batch.epoch - 1].append(rows)
            return 0
        }
        return epochsSeen
    }

    @Test func everyRowOncePerEpochInFullBatches() throws {
        let rows = 3 * BatchOrder.streamBlockRows * BatchOrder.streamWindowBlocks + 1_234  // three windows and a partial fourth
        let view = StreamedView(numbered(rows))
        let epochs = try batches(view, batchSize: 1_000, epochs: 2)
        for epoch in epochs {
            #expect(epoch.flatMap { $0 }.sorted() == Array(0..<rows))
            #expect(epoch.dropLast().allSatisfy { $0.count == 1_000 } && epoch.last!.count == rows % 1_000)
        }
        #expect(epochs[0] != epochs[1], "each epoch draws a new order")
        #expect(epochs[0].flatMap { $0 } != Array(0..<rows))
        // Reads are whole blocks (the last one short), each block once per epoch.
        let block = BatchOrder.streamBlockRows
        #expect(view.reads.allSatisfy { $0.lowerBound % block == 0 && ($0.count == block || $0.upperBound == rows) })
        #expect(view.reads.count == 2 * ((rows + block - 1) / block))
        // A batch mixes rows from several blocks of its window, not one block in order.
        #expect(Set(epochs[0][0].map { $0 / block }).count > 4)
    }

    @Test func decidedByTheSeedAlone() throws {
        let data = numbered(70_000)
        let first = try batches(StreamedView(data), batchSize: 512, seed: 7)
        #expect(try batches(StreamedView(data), batchSize: 512, seed: 7) == first)
        #expect(try batches(StreamedView(data), batchSize: 512, seed: 8) != first)
        // Without shuffling the rows come in order.
        #expect(try batches(StreamedView(data), batchSize: 512, shuffle: false)[0].flatMap { $0 } == Array(0..<70_000))
        // In memory the order is the permutation of all rows, as before.
        let memory = try batches(data, batchSize: 512, seed: 7)[0].flatMap { $0 }
        var generator = SeededRandom(seed: 7)
        #expect(memory == generator.permutation(70_000))
    }
}
