import Testing
import VigilData
import VigilDetect
@testable import VigilExperiments
import VigilTensor

@Suite("Semi-supervised protocol on a table")
struct TabularProtocolTests {
    @Test func splitTrainsOnHalfTheNormalRowsAndTestsOnTheRestAndEveryAnomaly() throws {
        let targets = (0..<101).map { $0 % 10 == 3 ? 1 : 0 }  // 10 anomalies, 91 normal rows
        let split = try TabularProtocol.split(targets: targets, seed: 4)
        #expect(split.trainRows.count == 45 && split.testRows.count == 46 + 10)
        #expect(Set(split.trainRows).isDisjoint(with: split.testRows))
        #expect(Set(split.trainRows + split.testRows) == Set(0..<101))
        #expect(split.trainRows.allSatisfy { targets[$0] == 0 })
        #expect(split.testTargets == split.testRows.map { targets[$0] })
        #expect(try TabularProtocol.split(targets: targets, seed: 4).trainRows == split.trainRows)
        #expect(try TabularProtocol.split(targets: targets, seed: 5).trainRows != split.trainRows)
        #expect(throws: DetectorError.self) { try TabularProtocol.split(targets: [0, 0, 0], seed: 0) }
    }

    @Test func f1FlagsTheTopKScores() throws {
        // k = 2 anomalies; the top two scores are 0.9 (anomaly) and 0.8 (normal):
        // TP 1, FP 1, FN 1 → F1 = 2·1 / (2·1 + 1 + 1) = 0.5.
        #expect(try TabularProtocol.f1AtTopK([0.1, 0.9, 0.8, 0.3], [0, 1, 0, 1]) == 0.5)
        #expect(try TabularProtocol.f1AtTopK([0.1, 0.9, 0.2, 0.8], [0, 1, 0, 1]) == 1)
    }

    @Test func isolationForestFindsPlantedAnomalies() throws {
        var random = SeededRandom(seed: 2)
        let normal = random.normalTensor([300, 4])
        let anomalies = random.normalTensor([20, 4]) * 6
        let data = Dataset(
            features: Tensor.concatenate([normal, anomalies], alongAxis: 0), targets: Array(repeating: 0, count: 300) + Array(repeating: 1, count: 20),
            featureNames: ["a", "b", "c", "d"], targetNames: ["normal", "outlier"])
        let result = try TabularProtocol.run(.iforest, data: data, seed: 1)
        #expect(result.rocAUC > 0.9)
        #expect(result.testRows.count == 150 + 20 && result.scores.count == 170)
    }
}
