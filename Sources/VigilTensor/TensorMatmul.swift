extension Tensor {
    /// The matrix product `op(a) · op(b)` of two rank-2 tensors, through ``GEMM``.
    ///
    /// - Precondition: the inner extents agree; the message names both shapes.
    public static func matmul(
        _ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false,
        path: GEMM.Path? = nil
    ) -> Tensor {
        precondition(a.rank == 2 && b.rank == 2, "matmul: expected matrices, got shapes \(a.shape) and \(b.shape)")
        let m = transposeA ? a.shape[1] : a.shape[0]
        let k = transposeA ? a.shape[0] : a.shape[1]
        let kB = transposeB ? b.shape[1] : b.shape[0]
        let n = transposeB ? b.shape[0] : b.shape[1]
        precondition(
            k == kB,
            "matmul: inner extents differ: \(a.shape)\(transposeA ? "ᵀ" : "") · \(b.shape)\(transposeB ? "ᵀ" : "")")
        if m == 0 || n == 0 || k == 0 { return Tensor(zeros: [m, n]) }
        return Tensor(uninitializedShape: [m, n]) { out in
            a.withUnsafeBufferPointer { x in
                b.withUnsafeBufferPointer { y in
                    GEMM.multiply(
                        transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                        a: x.baseAddress!, lda: a.shape[1], b: y.baseAddress!, ldb: b.shape[1],
                        c: out.baseAddress!, ldc: n, path: path)
                }
            }
        }
    }
}
