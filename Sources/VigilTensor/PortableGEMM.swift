/// A blocked matrix multiply in portable Swift SIMD, used when no BLAS library is present.
///
/// The classic Goto layout: `B` is packed into panels of ``nr`` columns, `A` into panels
/// of ``mr`` rows (scaled by α while packing), and a register-blocked ``mr`` × ``nr``
/// micro-kernel accumulates over a block of ``kc`` of the inner dimension. Rows of `C`
/// are split across ``ComputeThreads``.
enum PortableGEMM {
    static let mr = 4
    static let nr = 8
    static let kc = 256
    static let mc = 64
    static let nc = 1024

    static func scale(c: UnsafeMutablePointer<Float>, m: Int, n: Int, ldc: Int, beta: Float) {
        for i in 0..<m {
            let row = c + i * ldc
            if beta == 0 {
                row.update(repeating: 0, count: n)
            } else if beta != 1 {
                for j in 0..<n { row[j] *= beta }
            }
        }
    }

    static func multiply(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        scale(c: c, m: m, n: n, ldc: ldc, beta: beta)
        let operands = UncheckedSendable((a, b, c))
        let rowBlocks = (m + mc - 1) / mc
        let work = m * n * k
        let threads = min(ComputeThreads.count, rowBlocks, max(1, work / 2_000_000))
        let run: (Range<Int>) -> Void = { blocks in
            let (a, b, c) = operands.value
            multiplyRows(
                blocks.lowerBound * mc..<min(m, blocks.upperBound * mc),
                transposeA: transposeA, transposeB: transposeB, n: n, k: k, alpha: alpha,
                a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc)
        }
        if threads <= 1 {
            run(0..<rowBlocks)
        } else {
            parallelChunks(rowBlocks, minimumPerThread: 1) { run($0) }
        }
    }

    /// Accumulates `α·op(A)[rows]·op(B)` into the given rows of `C`.
    private static func multiplyRows(
        _ rows: Range<Int>, transposeA: Bool, transposeB: Bool, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        if rows.isEmpty { return }
        let packedB = UnsafeMutablePointer<Float>.allocate(capacity: kc * (nc + nr))
        let packedA = UnsafeMutablePointer<Float>.allocate(capacity: kc * (mc + mr))
        defer {
            packedB.deallocate()
            packedA.deallocate()
        }
        var tile = [Float](repeating: 0, count: mr * nr)
        for jc in stride(from: 0, to: n, by: nc) {
            let ncb = min(nc, n - jc)
            for pc in stride(from: 0, to: k, by: kc) {
                let kcb = min(kc, k - pc)
                packB(b, ldb: ldb, transposed: transposeB, rows: pc, count: kcb, columns: jc, width: ncb, into: packedB)
                for ic in stride(from: rows.lowerBound, to: rows.upperBound, by: mc) {
                    let mcb = min(mc, rows.upperBound - ic)
                    packA(
                        a, lda: lda, transposed: transposeA, rows: ic, height: mcb, columns: pc, count: kcb,
                        alpha: alpha, into: packedA)
                    for jr in stride(from: 0, to: ncb, by: nr) {
                        for ir in stride(from: 0, to: mcb, by: mr) {
                            let height = min(mr, mcb - ir)
                            let width = min(nr, ncb - jr)
                            let destination = c + (ic + ir) * ldc + jc + jr
                            let aPanel = UnsafePointer(packedA + ir * kcb)
                            let bPanel = UnsafePointer(packedB + jr * kcb)
                            if height == mr && width == nr {
                                microKernel(kcb, aPanel, bPanel, destination, ldc)
                            } else {
                                tile.withUnsafeMutableBufferPointer { buffer in
                                    let t = buffer.baseAddress!
                                    t.update(repeating: 0, count: mr * nr)
                                    microKernel(kcb, aPanel, bPanel, t, nr)
                                    for i in 0..<height {
                                        for j in 0..<width { destination[i * ldc + j] += t[i * nr + j] }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Packs `op(B)[rows..<rows+count, columns..<columns+width]` into panels of `nr`
    /// columns, each stored row after row (`count × nr`), zero-padded at the right edge.
    private static func packB(
        _ b: UnsafePointer<Float>, ldb: Int, transposed: Bool, rows: Int, count: Int,
        columns: Int, width: Int, into packed: UnsafeMutablePointer<Float>
    ) {
        for jr in stride(from: 0, to: width, by: nr) {
            let panel = packed + jr * count
            let panelWidth = min(nr, width - jr)
            for p in 0..<count {
                let out = panel + p * nr
                for j in 0..<nr {
                    if j < panelWidth {
                        let row = rows + p
                        let column = columns + jr + j
                        out[j] = transposed ? b[column * ldb + row] : b[row * ldb + column]
                    } else {
                        out[j] = 0
                    }
                }
            }
        }
    }

    /// Packs `α·op(A)[rows..<rows+height, columns..<columns+count]` into panels of `mr`
    /// rows, each stored column after column (`count × mr`), zero-padded at the bottom.
    private static func packA(
        _ a: UnsafePointer<Float>, lda: Int, transposed: Bool, rows: Int, height: Int,
        columns: Int, count: Int, alpha: Float, into packed: UnsafeMutablePointer<Float>
    ) {
        for ir in stride(from: 0, to: height, by: mr) {
            let panel = packed + ir * count
            let panelHeight = min(mr, height - ir)
            for p in 0..<count {
                let out = panel + p * mr
                for i in 0..<mr {
                    if i < panelHeight {
                        let row = rows + ir + i
                        let column = columns + p
                        out[i] = alpha * (transposed ? a[column * lda + row] : a[row * lda + column])
                    } else {
                        out[i] = 0
                    }
                }
            }
        }
    }

    /// Adds the `mr × nr` product of one packed `A` panel and one packed `B` panel to `c`.
    @inline(__always)
    private static func microKernel(
        _ count: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int
    ) {
        var c0 = SIMD8<Float>(), c1 = SIMD8<Float>(), c2 = SIMD8<Float>(), c3 = SIMD8<Float>()
        let bRaw = UnsafeRawPointer(b)
        for p in 0..<count {
            let bRow = bRaw.loadUnaligned(fromByteOffset: p * nr * 4, as: SIMD8<Float>.self)
            let aColumn = a + p * mr
            c0 += aColumn[0] * bRow
            c1 += aColumn[1] * bRow
            c2 += aColumn[2] * bRow
            c3 += aColumn[3] * bRow
        }
        accumulate(c0, into: c)
        accumulate(c1, into: c + ldc)
        accumulate(c2, into: c + 2 * ldc)
        accumulate(c3, into: c + 3 * ldc)
    }

    @inline(__always)
    private static func accumulate(_ values: SIMD8<Float>, into row: UnsafeMutablePointer<Float>) {
        let raw = UnsafeMutableRawPointer(row)
        let current = UnsafeRawPointer(row).loadUnaligned(as: SIMD8<Float>.self)
        raw.storeBytes(of: current + values, as: SIMD8<Float>.self)
    }
}
