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
        // of C (or of columns when C is short and wide), one block per thread. Block edges
        // fall on multiples of 96, a multiple of the register tiles of common BLAS kernels
        // (8, 16, 24, 32, 48 rows), so each element's sum is tiled the same way whatever the
        // thread count: with OpenBLAS here, results are bit-identical with 1 or 2 threads.
        // Rows when C is tall or has rows enough for every thread; otherwise columns (the
        // CIFAR VAE's latent heads: 64 rows of 1,024 or 8,192 columns).
        //
        // OpenBLAS 0.3.21 on AVX-512 (SkylakeX kernels) sends row-major, untransposed
        // products with α = 1 and β = 0 of fewer than 28·512² multiply-adds (fewer than 2·512²
        // when n is not a multiple of 4) to its "direct" kernel, which sums in another order.
        // Such a product is cut only into pieces that take the same road as the whole: below
        // 2·512² every piece is direct too; pieces of at least twice 28·512² (the cut is
        // uneven) are not; a product in between runs whole.
        let splitRows = m >= n || m / 96 >= ComputeThreads.count
        let extent = splitRows ? m : n
        let work = m * n * k
        let mayGoDirect = !transposeA && !transposeB && alpha == 1 && beta == 0
        let pieceLimit = !mayGoDirect || work < Self.directAlwaysBelow ? Int.max : max(1, work / (2 * Self.directBelow))
        let threads = min(ComputeThreads.count, extent / 96, max(1, work / minimumWorkPerThread), pieceLimit)
        let piecesPerThread = max(1, min(4, pieceLimit / max(threads, 1)))
        parallelBlocks(extent, threads: threads, alignment: 96, piecesPerThread: piecesPerThread) { range in
            let (a, b, c) = operands.value
            if splitRows {
                let aStart = transposeA ? a + range.lowerBound : a + range.lowerBound * lda
                blas.sgemm(
                    BLASBackend.rowMajor, transposeA ? BLASBackend.transpose : BLASBackend.noTranspose,
                    transposeB ? BLASBackend.transpose : BLASBackend.noTranspose,
                    Int32(range.count), Int32(n), Int32(k), alpha, aStart, Int32(lda), b, Int32(ldb), beta,
                    c + range.lowerBound * ldc, Int32(ldc))
            } else {
                let bStart = transposeB ? b + range.lowerBound * ldb : b + range.lowerBound
                blas.sgemm(
                    BLASBackend.rowMajor, transposeA ? BLASBackend.transpose : BLASBackend.noTranspose,
                    transposeB ? BLASBackend.transpose : BLASBackend.noTranspose,
                    Int32(m), Int32(range.count), Int32(k), alpha, a, Int32(lda), bStart, Int32(ldb), beta,
                    c + range.lowerBound, Int32(ldc))
            }
        }
    }

    /// The multiply-adds below which a product is not worth a second thread.
    static let minimumWorkPerThread = 1 << 17

    /// OpenBLAS 0.3.21's bounds for its AVX-512 direct sgemm (`sgemm_direct_performant`):
    /// products of fewer multiply-adds may go direct, and below the second always do.
    static let directBelow = 28 * 512 * 512
    static let directAlwaysBelow = 2 * 512 * 512
}
