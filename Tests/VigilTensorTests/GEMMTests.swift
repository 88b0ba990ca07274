import Foundation
import Testing
@testable import VigilTensor
import _TestSupport

@Suite("Matrix products")
struct GEMMTests {
    /// `op(A)·op(B)` by the textbook triple loop, in Double.
    func reference(_ a: Tensor, _ b: Tensor, _ transposeA: Bool, _ transposeB: Bool) -> Tensor {
        let left = transposeA ? a.transposed : a
        let right = transposeB ? b.transposed : b
        let (m, k, n) = (left.shape[0], left.shape[1], right.shape[1])
        var out = [Float](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var total = 0.0
                for p in 0..<k { total += Double(left.scalars[i * k + p]) * Double(right.scalars[p * n + j]) }
                out[i * n + j] = Float(total)
            }
        }
        return Tensor(shape: [m, n], scalars: out)
    }

    @Test(arguments: [(1, 1, 1), (3, 5, 7), (17, 33, 9), (64, 64, 64), (130, 70, 300), (5, 1100, 9)])
    func bothPathsMatchTheTextbookProduct(sizes: (Int, Int, Int)) {
        let (m, k, n) = sizes
        var random = SeededRandom(seed: UInt64(m * 10_000 + k * 100 + n))
        for transposeA in [false, true] {
            for transposeB in [false, true] {
                let a = random.uniformTensor(transposeA ? [k, m] : [m, k], -1, 1)
                let b = random.uniformTensor(transposeB ? [n, k] : [k, n], -1, 1)
                let expected = reference(a, b, transposeA, transposeB)
                let portable = Tensor.matmul(a, b, transposeA: transposeA, transposeB: transposeB, path: .portable)
                let blas = Tensor.matmul(a, b, transposeA: transposeA, transposeB: transposeB, path: .blas)
                #expect(maxRelativeDifference(portable, expected) < 1e-5, "portable \(sizes) tA \(transposeA) tB \(transposeB)")
                #expect(maxRelativeDifference(blas, expected) < 1e-5, "blas \(sizes) tA \(transposeA) tB \(transposeB)")
                #expect(maxRelativeDifference(blas, portable) < 1e-5)
            }
        }
    }

    @Test func alphaBetaAndStrides() {
        // C ← 2·A·B + 0.5·C on the top-left 2×2 block of 3-wide row storage.
        let a: [Float] = [1, 2, 0, 3, 4, 0]  // [[1,2],[3,4]] with row stride 3
        let b: [Float] = [5, 6, 0, 7, 8, 0]  // [[5,6],[7,8]]
        for path in GEMM.Path.allCases {
            var c: [Float] = [1, 1, 9, 1, 1, 9]
            a.withUnsafeBufferPointer { x in
                b.withUnsafeBufferPointer { y in
                    c.withUnsafeMutableBufferPointer { z in
                        GEMM.multiply(
                            transposeA: false, transposeB: false, m: 2, n: 2, k: 2, alpha: 2,
                            a: x.baseAddress!, lda: 3, b: y.baseAddress!, ldb: 3, beta: 0.5,
                            c: z.baseAddress!, ldc: 3, path: path)
                    }
                }
            }
            // A·B = [[19, 22], [43, 50]]
            #expect(c == [38.5, 44.5, 9, 86.5, 100.5, 9], "path \(path)")
        }
    }

    @Test func blasIsFoundWhenInstalled() throws {
        // CI installs OpenBLAS; the run-time loader must find it there, with the kernels the
        // CPU allows (OpenBLAS 0.3.21 alone picks Prescott's on a generic AVX-512 model).
        let environment = ProcessInfo.processInfo.environment
        if environment["CI"] == "true" && environment["VIGIL_BLAS"] == nil {
            let name = try #require(GEMM.blasLibraryName)
            let flags = Set((try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
                .split(separator: "\n").first { $0.hasPrefix("flags") }?.split(separator: " ") ?? [])
            if environment["OPENBLAS_CORETYPE"] == nil || BLASBackend.requestedCoreType != nil {
                #expect(BLASBackend.requestedCoreType == BLASBackend.openBLASCoreType(flags: flags))
            }
            if let core = BLASBackend.requestedCoreType { #expect(name.contains("\(core) kernels"), "\(name)") }
        }
    }

    @Test func openBLASKernelsFollowTheInstructionSets() {
        let avx512: Set<Substring> = ["sse2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512dq", "avx512vl"]
        #expect(BLASBackend.openBLASCoreType(flags: avx512) == "SkylakeX")
        #expect(BLASBackend.openBLASCoreType(flags: avx512.subtracting(["avx512vl"])) == "Haswell")
        #expect(BLASBackend.openBLASCoreType(flags: ["avx", "avx2"]) == "Sandybridge")
        #expect(BLASBackend.openBLASCoreType(flags: ["sse2", "sse4_2"]) == nil)
        #expect(BLASBackend.openBLASCoreType(flags: []) == nil)
    }
}

