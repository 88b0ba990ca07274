import Testing
import VigilData
import VigilExperiments
import VigilTensor

@Suite("DAGMM paper protocol")
struct DAGMMProtocolTests {
    @Test func runsOnASmallLabelledSet() throws {
        // Two "attack" clusters (inliers of the protocol) and a "normal." cluster (anomalies).
        var random = SeededRandom(seed: 4)
        let rows = 600
        var features: [Float] = []
        var labels: [Int] = []
        for row in 0..<rows {
            let label = row % 5 == 0 ? 0 : (row % 2 == 0 ? 1 : 2)  // 0 = normal.
            let centre: [Float] = label == 0 ? [0.9, 0.1, 0.8, 0.2] : (label == 1 ? [0.1, 0.9, 0.1, 0.1] : [0.2, 0.2, 0.9, 0.9])
            features += centre.map { $0 + random.normal(mean: 0, standardDeviation: 0.03) }
            labels.append(label)
        }
        let data = Dataset(
            features: Tensor(shape: [rows, 4], scalars: features), featureNames: ["a", "b", "c", "d"],
            labels: labels, labelNames: ["normal.", "smurf.", "neptune."])
        let result = try DAGMMProtocol.run(.kdd, data: data, seed: 1, epochs: 2, progress: .silent)
        // Anomalies are a third of the test split and the rule flags the top 20% of energies,
        // so a random ranking gives F1 ≈ 0.4; the planted clusters give about 0.75.
        #expect(result.f1 > 0.6)
        #expect(result.epochs == 2)
        // The untrained network's F1 is computed on the same split: rerunning gives the same numbers.
        let again = try DAGMMProtocol.run(.kdd, data: data, seed: 1, epochs: 2, progress: .silent)
        #expect(again.f1 == result.f1 && again.untrainedF1 == result.untrainedF1)
    }
}
