import Foundation
import Testing
@testable import VigilDetect
import VigilEval
import VigilTensor

@Suite("Isolation Forest")
struct IsolationForestTests {
    let options = FitOptions(progress: .silent)

    /// Inliers N(0, I) in 6-D; outliers on the sphere of radius 5 (isolation works on
    /// extremes, not on points off a subspace inside the data's range).
    static func blob(seed: UInt64) -> (train: Tensor, test: Tensor, targets: [Int]) {
        var random = SeededRandom(seed: seed)
        let train = random.normalTensor([800, 6])
        var outliers = random.normalTensor([40, 6])
        for row in 0..<40 {
            let norm = (0..<6).map { outliers[row, $0] * outliers[row, $0] }.reduce(0, +).squareRoot()
            for column in 0..<6 { outliers[row, column] *= 5 / norm }
        }
        let test = Tensor.concatenate([random.normalTensor([200, 6]), outliers], alongAxis: 0)
        return (train, test, Array(repeating: 0, count: 200) + Array(repeating: 1, count: 40))
    }

    let data = blob(seed: 5)

    @Test func averagePathLengthByHand() {
        // python: g = 0.5772156649015329; c = lambda n: 2*(math.log(n-1)+g) - 2*(n-1)/n
        //   c(3) = 1.207392357589623, c(256) = 10.244770920119917
        #expect(IsolationForest.averagePathLength(1) == 0)
        #expect(IsolationForest.averagePathLength(2) == 1)
        #expect(abs(IsolationForest.averagePathLength(3) - 1.207_392_357_589_623) < 1e-12)
        #expect(abs(IsolationForest.averagePathLength(256) - 10.244_770_920_119_917) < 1e-12)
    }

    @Test func identicalRowsScoreOneHalf() throws {
        // Nothing to split: every tree is one leaf of ψ rows, h = c(ψ), s = 2^(−c(ψ)/c(ψ)) = 0.5.
        let forest = try IsolationForest(featureCount: 3)
        _ = try forest.fit(Tensor(shape: [50, 3], scalars: Array(repeating: 2, count: 150)), options: FitOptions(standardize: false, progress: .silent))
        #expect(try forest.score(Tensor(rows: [[2, 2, 2], [9, -1, 4]])).instance == [0.5, 0.5])
    }

    @Test func findsPlantedOutliersDeterministically() throws {
        let forest = try IsolationForest(featureCount: 6, configuration: .init(seed: 3))
        _ = try forest.fit(data.train, options: options)
        let scores = try forest.score(data.test).instance
        #expect(try ROCCurve(scores: scores, targets: data.targets).area > 0.95)
        #expect(scores.allSatisfy { $0 > 0 && $0 <= 1 })
        // The same seed grows the same forest whatever the thread count.
        let original = ComputeThreads.count
        defer { ComputeThreads.setThreadCount(original) }
        ComputeThreads.setThreadCount(1)
        let again = try IsolationForest(featureCount: 6, configuration: .init(seed: 3))
        _ = try again.fit(data.train, options: options)
        #expect(again.forest == forest.forest)
        #expect(forest.forest!.roots.count == 100 && forest.forest!.samplesPerTree == 256)
    }

    @Test func aSavedForestWhoseWalkWouldNotEndIsRefused() throws {
        let forest = try IsolationForest(featureCount: 6, configuration: .init(trees: 2, seed: 1))
        _ = try forest.fit(data.train, options: options)
        var broken = forest.forest!
        let split = broken.feature.firstIndex { $0 >= 0 }!
        broken.left[split] = Int32(split)  // a node that is its own child
        #expect(throws: PersistenceError.self) {
            try IsolationForest(featureCount: 6, configuration: forest.configuration, forest: broken, file: "weights.safetensors")
        }
    }
}
