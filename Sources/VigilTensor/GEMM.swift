/// Single-precision general matrix multiply, `C ← α·op(A)·op(B) + β·C`, row-major.
///
/// Uses the BLAS library found at run time (``BLASBackend``) and otherwise the portable
/// Swift kernel in ``PortableGEMM``. Both paths compute the same product; they differ
/// only in the order of floating-point additions (agreement to about 1e-6 relative).
public enum GEMM {
    /// Which implementation performs a product.
    public enum Path: String, Sendable, CaseIterable {
        /// The BLAS library found at run time (OpenBLAS or Accelerate).
        case blas
        /// Vigil's own blocked SIMD kernel, always available.
        case portable
    }

    /// The name of the BLAS library in use, or `nil` when products use the portable kernel.
    public static var blasLibraryName: String? { BLASBackend.shared?.name }

    /// The path used when none is named: BLAS when a library was found.
    public static var defaultPath: Path { BLASBackend.shared == nil ? .portable : .blas }

    /// Computes `C ← α·op(A)·op(B) + β·C` where `op(A)` is `m × k` and `op(B)` is `k × n`.
    ///
    /// - Parameters:
    ///   - transposeA: whether `A` is stored as `k × m` (and used transposed).
    ///   - transposeB: whether `B` is stored as `n × k` (and used transposed).
    ///   - lda, ldb, ldc: the row strides of the stored matrices.
    ///   - path: the implementation; ``defaultPath`` when `nil`. Asking for ``Path/blas``
    ///     when no library is installed uses the portable kernel.
    public static func multiply(
        transposeA: Bool, transposeB: Bool,
        m: Int, n: Int, k: Int,
        alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0,
        c: UnsafeMutablePointer<Float>, ldc: Int,
        path: Path? = nil
    ) {
        if m == 0 || n == 0 { return }
        if k == 0 {
            PortableGEMM.scale(c: c, m: m, n: n, ldc: ldc, beta: beta)
            return
        }
        guard (path ?? defaultPath) == .blas, let blas = BLASBackend.shared else {
            PortableGEMM.multiply(
                transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
            return
        }
        let operands = UncheckedSendable((a, b, c))
        // Each BLAS call runs on one thread; large products are split into blocks of rows
        // of C, one block per thread. Block edges fall on multiples of 96, a multiple of the
        // register tiles of common BLAS kernels (8, 16, 24, 32, 48 rows), so each element's
        // sum is tiled the same way whatever the thread count: with OpenBLAS here, results
        // are bit-identical with 1 or 2 threads (checked over many shapes by the tests).
        // A product with too few rows for two blocks but many columns (a dense layer on a
        // batch of 64) is cut by columns instead, into blocks of ``columnBlock`` whatever
        // the thread count: OpenBLAS's sums change in the last bit with a column cut (its
        // Haswell kernels on an AMD EPYC), so the cut is a function of the shape alone and
        // 1 thread computes the very blocks 2 threads share.
        if m < 2 * 96, n >= 2 * columnBlock, m * n * k >= 2 * minimumWorkPerThread {
            let blocks = (n + columnBlock - 1) / columnBlock
            parallelBlocks(blocks, threads: min(ComputeThreads.count, blocks)) { range in
                let (a, b, c) = operands.value
                for block in range {
                    let first = block * columnBlock
                    let width = min(columnBlock, n - first)
                    blas.sgemm(
                        BLASBackend.rowMajor, transposeA ? BLASBackend.transpose : BLASBackend.noTranspose,
                        transposeB ? BLASBackend.transpose : BLASBackend.noTranspose,
                        Int32(m), Int32(width), Int32(k), alpha, a, Int32(lda), transposeB ? b + first * ldb : b + first, Int32(ldb), beta,
                        c + first, Int32(ldc))
                }
            }
            return
        }
        let threads = min(ComputeThreads.count, m / 96, max(1, m * n * k / minimumWorkPerThread))
        parallelBlocks(m, threads: threads, alignment: 96) { range in
            let (a, b, c) = operands.value
            let aStart = transposeA ? a + range.lowerBound : a + range.lowerBound * lda
            blas.sgemm(
                BLASBackend.rowMajor, transposeA ? BLASBackend.transpose : BLASBackend.noTranspose,
                transposeB ? BLASBackend.transpose : BLASBackend.noTranspose,
                Int32(range.count), Int32(n), Int32(k), alpha, aStart, Int32(lda), b, Int32(ldb), beta,
                c + range.lowerBound * ldc, Int32(ldc))
        }
    }

    /// The columns of C per block of a product cut by columns (a multiple of 32, so of the
    /// column tiles of common kernels; small enough that a 1,024-wide layer gives each of
    /// two threads two blocks).
    static let columnBlock = 256

    /// The multiply-adds below which a product is not worth a second thread.
    static let minimumWorkPerThread = 1 << 17
}
