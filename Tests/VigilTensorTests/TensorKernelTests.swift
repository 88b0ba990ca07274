import Foundation
import Testing
import VigilTensor
import _TestSupport

@Suite("Tensor kernels")
struct TensorKernelTests {
    let matrix = Tensor(rows: [[1, 2, 3], [4, 5, 6]])

    @Test func broadcastingFollowsNumPy() {
        #expect((matrix + Tensor(shape: [3], scalars: [10, 20, 30])).scalars == [11, 22, 33, 14, 25, 36])
        #expect((matrix * Tensor(shape: [2, 1], scalars: [2, -1])).scalars == [2, 4, 6, -4, -5, -6])
        let outer = Tensor(shape: [2, 1], scalars: [1, 2]) - Tensor(shape: [1, 3], scalars: [1, 2, 3])
        #expect(outer.shape == [2, 3])
        #expect(outer.scalars == [0, -1, -2, 1, 0, -1])
        #expect(Tensor.broadcastShape([4, 1, 3], [2, 1], operation: "t") == [4, 2, 3])
        let expected: [Float] = [2, 1, 2 / 3, 0.5, 0.4, 2 / 6]
        #expect((Tensor(2) / matrix).scalars == expected)
    }

    @Test func broadcastRepeatsAlongUnitAxes() {
        #expect(Tensor(shape: [2, 1], scalars: [1, 2]).broadcast(to: [2, 3]).scalars == [1, 1, 1, 2, 2, 2])
        #expect(Tensor(shape: [3], scalars: [1, 2, 3]).broadcast(to: [2, 3]).scalars == [1, 2, 3, 1, 2, 3])
        #expect(Tensor(5).broadcast(to: [2, 2]).scalars == [5, 5, 5, 5])
        let cube = Tensor(shape: [2, 1, 2], scalars: [1, 2, 3, 4]).broadcast(to: [2, 3, 2])
        #expect(cube.scalars == [1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4])
        // Row sums of a long row take the vectorised path and its tail.
        let long = Tensor(shape: [2, 19], scalars: (0..<38).map(Float.init))
        #expect(long.sum(alongAxis: 1).scalars == [171, 532])
    }

    @Test func unbroadcastIsTheAdjointOfBroadcast() {
        let g = Tensor(rows: [[1, 2, 3], [4, 5, 6]])
        #expect(g.unbroadcast(to: [3]).scalars == [5, 7, 9])
        #expect(g.unbroadcast(to: [2, 1]).scalars == [6, 15])
        #expect(g.unbroadcast(to: []).scalars == [21])
    }

    @Test func reductionsAlongAxes() {
        #expect(matrix.sum(alongAxis: 0).scalars == [5, 7, 9])
        #expect(matrix.sum(alongAxis: 1, keepingDimensions: true).shape == [2, 1])
        #expect(matrix.sum(alongAxis: -1).scalars == [6, 15])
        #expect(matrix.sum().scalar == 21)
        let (values, indices) = Tensor(rows: [[1, 9, 3], [7, 5, 7]]).maxWithIndices(alongAxis: 1)
        #expect(values.scalars == [9, 7])
        #expect(indices == [1, 0])
        let x = Variable(Tensor(rows: [[1, 2, 3], [1000, 1000, 1000]]))
        let lse = x.logSumExp(alongAxis: 1).value.scalars
        #expect(abs(lse[0] - Float(Foundation.log(exp(1.0) + exp(2.0) + exp(3.0)))) < 1e-5)
        #expect(abs(lse[1] - (1000 + Float(Foundation.log(3.0)))) < 1e-3)  // no overflow
        let softmax = x.softmax(alongAxis: 1).value.scalars
        #expect(abs(softmax[3] - 1 / 3) < 1e-6)
        let variance = Variable(matrix).variance(alongAxis: 1).value.scalars
        #expect(abs(variance[0] - 2 / 3) < 1e-6)
    }

    @Test func movingElements() {
        #expect(matrix.transposed.scalars == [1, 4, 2, 5, 3, 6])
        let cube = Tensor(shape: [2, 3, 4], scalars: (0..<24).map(Float.init))
        let permuted = cube.permuted([2, 0, 1])
        #expect(permuted.shape == [4, 2, 3])
        #expect(permuted[3, 1, 2] == cube[1, 2, 3])
        #expect(Tensor.concatenate([matrix, matrix * 10], alongAxis: 1).scalars == [1, 2, 3, 10, 20, 30, 4, 5, 6, 40, 50, 60])
        #expect(Tensor.concatenate([matrix, matrix], alongAxis: 0).shape == [4, 3])
        #expect(matrix.slice(alongAxis: 1, 1..<3).scalars == [2, 3, 5, 6])
        #expect(matrix.gatherRows([1, 1, 0]).scalars == [4, 5, 6, 4, 5, 6, 1, 2, 3])
        #expect(matrix.reshaped([3, -1]).shape == [3, 2])
    }

    @Test func im2colMatchesAHandWorkedCase() {
        // One 3×3 single-channel image, 2×2 kernel, stride 1, valid: four windows.
        let image = Tensor(shape: [1, 3, 3, 1], scalars: [1, 2, 3, 4, 5, 6, 7, 8, 9])
        let geometry = ConvolutionGeometry(
            batch: 1, inputHeight: 3, inputWidth: 3, channels: 1, kernel: (2, 2), strides: (1, 1), padding: .valid)
        let patches = image.im2col(geometry)
        #expect(patches.shape == [4, 4])
        #expect(patches.scalars == [1, 2, 4, 5, 2, 3, 5, 6, 4, 5, 7, 8, 5, 6, 8, 9])
        // col2im of all-ones counts how many windows cover each pixel.
        #expect(Tensor(repeating: 1, shape: [4, 4]).col2im(geometry).scalars == [1, 2, 1, 2, 4, 2, 1, 2, 1])
        // 'same' with stride 2 on 4×4 and kernel 4: TensorFlow pads 1 before, 2 after.
        let same = ConvolutionGeometry(
            batch: 1, inputHeight: 4, inputWidth: 4, channels: 3, kernel: (4, 4), strides: (2, 2), padding: .same)
        #expect(same.outputHeight == 2 && same.padTop == 1 && same.padLeft == 1)
    }

    @Test func fastMathIsAccurate() {
        let inputs = stride(from: Float(-20), through: 20, by: 0.0137).map { $0 }
        let x = Tensor(shape: [inputs.count], scalars: inputs)
        let exp = x.exp().scalars
        let tanh = x.tanh().scalars
        let sigmoid = x.sigmoid().scalars
        for (i, value) in inputs.enumerated() {
            let e = Foundation.exp(Double(value))
            let t = Foundation.tanh(Double(value))
            let s = 1 / (1 + Foundation.exp(-Double(value)))
            let expError = abs(Double(exp[i]) - e) / e
            let tanhError = abs(Double(tanh[i]) - t) / max(abs(t), 1e-30)
            let sigmoidError = abs(Double(sigmoid[i]) - s)
            #expect(expError <= 3e-7)
            #expect(tanhError <= 5e-7)
            #expect(sigmoidError <= 1e-6)
        }
        #expect(Tensor(shape: [3], scalars: [-200, 200, .nan]).tanh().scalars.prefix(2) == [-1, 1])
        let dense = Tensor(shape: [200_001], scalars: (0...200_000).map { Float($0) * 1e-4 - 10 })
        #expect(dense.tanh().scalars.allSatisfy { abs($0) <= 1 })
        #expect(Tensor(shape: [1], scalars: [1000]).exp().scalars[0].isFinite)
    }
}

@Suite("Linear algebra")
struct LinearAlgebraTests {
    let a = Tensor(rows: [[4, 2, 0.4], [2, 5, 1], [0.4, 1, 3]])

    @Test func choleskyReconstructs() throws {
        let l = try a.cholesky()
        #expect(l[0, 1] == 0 && l[0, 2] == 0 && l[1, 2] == 0)
        #expect(maxRelativeDifference(Tensor.matmul(l, l, transposeB: true), a) < 1e-6)
        let jittered = try a.cholesky(jitter: 1)
        #expect(maxRelativeDifference(Tensor.matmul(jittered, jittered, transposeB: true), a + Tensor.identity(3)) < 1e-6)
    }

    @Test func solvesAndInverts() throws {
        let l = try a.cholesky()
        let b = Tensor(rows: [[1, 0], [2, 1], [3, -1]])
        #expect(maxRelativeDifference(Tensor.matmul(l, l.solveLowerTriangular(b)), b) < 1e-6)
        #expect(maxRelativeDifference(Tensor.matmul(l.transposed, l.solveLowerTriangular(b, transpose: true)), b) < 1e-6)
        let inverse = try Variable(a).inverseSPD().value
        #expect(maxRelativeDifference(Tensor.matmul(a, inverse), Tensor.identity(3)) < 1e-6)
        // det = 4(15 − 1) − 2(6 − 0.4) + 0.4(2 − 2) = 44.8
        #expect(abs(try Variable(a).logDeterminant().value.scalar - Float(Foundation.log(44.8))) < 1e-5)
    }

    @Test func notPositiveDefiniteIsAnError() {
        let indefinite = Tensor(rows: [[1, 2], [2, 1]])
        #expect(throws: LinearAlgebraError.notPositiveDefinite(row: 1, pivot: -3)) { try indefinite.cholesky() }
        #expect("\(LinearAlgebraError.notPositiveDefinite(row: 1, pivot: -3))".contains("not positive definite"))
    }
}

@Suite("Seeded random numbers")
struct RandomTests {
    @Test func sameSeedSameStreamOnEveryPlatform() {
        var a = SeededRandom(seed: 2026)
        var b = SeededRandom(seed: 2026)
        let first = (0..<5).map { _ in a.next() }
        #expect(first == (0..<5).map { _ in b.next() })
        // Pinned values: a change to the generator or its seeding must be deliberate.
        var pinned = SeededRandom(seed: 0)
        #expect(pinned.next() == 0x99EC_5F36_CB75_F2B4)
        var c = SeededRandom(seed: 1)
        var d = SeededRandom(seed: 1)
        #expect(c.normalTensor([1000]) == d.normalTensor([1000]))
    }

    @Test func distributionsHaveTheirMoments() {
        var random = SeededRandom(seed: 5)
        let uniform = (0..<100_000).map { _ in random.uniform() }
        #expect(uniform.allSatisfy { $0 >= 0 && $0 < 1 })
        #expect(abs(uniform.reduce(0, +) / 100_000 - 0.5) < 0.01)
        let normal = (0..<100_000).map { _ in Double(random.normal()) }
        let mean = normal.reduce(0, +) / 100_000
        let variance = normal.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 100_000
        #expect(abs(mean) < 0.02)
        #expect(abs(variance - 1) < 0.02)
        for x in [0.1, 1, 2, 10, 12345.678, 1e-300] {
            #expect(abs(SeededRandom.portableLog(x) - Foundation.log(x)) <= 1e-15 * max(1, abs(Foundation.log(x))))
        }
    }

    @Test func permutationsAndSamples() {
        var random = SeededRandom(seed: 9)
        #expect(random.permutation(100).sorted() == Array(0..<100))
        let sample = random.sampleWithoutReplacement(50, from: 60)
        #expect(Set(sample).count == 50 && sample.allSatisfy { $0 >= 0 && $0 < 60 })
        #expect(random.sampleWithoutReplacement(60, from: 60).sorted() == Array(0..<60))
        let counts = (0..<60_000).reduce(into: [0, 0, 0]) { counts, _ in counts[random.integer(below: 3)] += 1 }
        #expect(counts.allSatisfy { abs($0 - 20_000) < 600 })
    }
}

@Suite("Column statistics")
struct ColumnStatisticsTests {
    @Test func covarianceByHand() {
        // Columns (1, 3, 5) and (10, 10, 40): means 3 and 20; Σ(a−3)² = 8, Σ(a−3)(b−20) = (−2)(−10) + 0 + 2·20 = 60,
        // Σ(b−20)² = 600.
        let x = Tensor(rows: [[1, 10], [3, 10], [5, 40]])
        let population = x.columnCovariance()
        #expect(population.mean == [3, 20])
        #expect(population.covariance.map { ($0 * 3).rounded() } == [8, 60, 60, 600])
        #expect(x.columnCovariance(delta: 1).covariance.map { ($0 * 2).rounded() } == [8, 60, 60, 600])
    }
}
