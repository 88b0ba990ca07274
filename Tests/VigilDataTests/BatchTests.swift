import Testing
import VigilData
import VigilTensor
import _TestSupport

@Suite("Batches, scalers and splits")
struct BatchTests {
    let data = Dataset(
        features: Tensor(shape: [10, 2], scalars: (0..<20).map(Float.init)),
        targets: [0, 0, 0, 0, 0, 0, 0, 1, 1, 1], featureNames: ["a", "b"], targetNames: ["normal", "outlier"])

    @Test func outlierBatchCountsAndReplacement() throws {
        let batch = try data.outlierBatch(samples: 10, outlierPercentage: 20, seed: 3)
        #expect(batch.count == 10)
        #expect(batch.targets!.filter { $0 == 1 }.count == 2)
        // 8 inliers from 7: with replacement, so some row repeats.
        let rows = (0..<10).map { batch.features.scalars[$0 * 2] }
        #expect(Set(rows).count < 10)
        #expect(try data.outlierBatch(samples: 10, outlierPercentage: 20, seed: 3).features == batch.features)
        #expect(try data.outlierBatch(samples: 10, outlierPercentage: 20, seed: 4).features != batch.features)
        // Without replacement when the group is large enough: 3 distinct outliers out of 3.
        let outliers = try data.outlierBatch(samples: 3, outlierPercentage: 100, seed: 1)
        #expect(Set(outliers.features.scalars).count == 6)
        // int(p·0.01·n): 33% of 10 → 3 outliers, int(67% of 10) = 6 inliers.
        #expect(try data.outlierBatch(samples: 10, outlierPercentage: 33, seed: 0).count == 9)
        #expect(throws: DataError.self) { try data.outlierBatch(samples: 10, outlierPercentage: 120, seed: 0) }
    }

    @Test func standardizerAndMinMax() throws {
        let x = Tensor(rows: [[1, 10], [3, 10], [5, 10]])
        let standardizer = Standardizer(fitting: x)
        #expect(standardizer.mean == [3, 10])
        #expect(abs(standardizer.standardDeviation[0] - Float((8.0 / 3).squareRoot())) < 1e-6)
        // A constant column is stored with deviation 1: only centred, and every stored deviation is positive.
        #expect(standardizer.standardDeviation[1] == 1)
        let z = try standardizer.transform(x)
        #expect(abs(z[0, 0] + Float((3.0 / 2).squareRoot())) < 1e-6 && z[1, 1] == 0)
        let scaler = MinMaxScaler(fitting: x)
        #expect(try scaler.transform(Tensor(rows: [[3, 10], [7, 11]])).scalars == [0.5, 0, 1.5, 1])
        #expect(throws: DataError.self) { try scaler.transform(Tensor(rows: [[1, 2, 3]])) }
    }

    @Test func splitsAndBatchesCoverEveryRowOnce() throws {
        let (train, test) = try data.split(testFraction: 0.3, seed: 5)
        #expect(train.count == 7 && test.count == 3)
        let all = (train.features.scalars + test.features.scalars).sorted()
        #expect(all == data.features.scalars.sorted())
        let batches = try data.batches(size: 4, shuffleSeed: 2)
        #expect(batches.map(\.count) == [4, 4, 2])
        #expect(batches.flatMap(\.features.scalars).sorted() == data.features.scalars.sorted())
        #expect(throws: DataError.self) { try data.batches(size: 0) }
    }
}
