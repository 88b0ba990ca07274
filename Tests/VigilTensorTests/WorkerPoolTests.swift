import Foundation
import Synchronization
import Testing
@testable import VigilTensor
import _TestSupport

@Suite("Worker pool")
struct WorkerPoolTests {
    @Test func everyItemRunsExactlyOnce() {
        for threads in [1, 2, 4] {
            for count in [0, 1, 7, 1000] {
                var hits = [Int](repeating: 0, count: count)
                hits.withUnsafeMutableBufferPointer { buffer in
                    let pointer = UncheckedSendable(buffer.baseAddress)
                    WorkerPool.shared.run(count, threads: threads) { index in pointer.value![index] += 1 }
                }
                #expect(hits.allSatisfy { $0 == 1 }, "threads \(threads), count \(count)")
            }
        }
    }

    @Test func nestedAndConcurrentCallsRunToCompletion() async {
        // Calls from several tasks at once, each nesting a second call inside its items:
        // the pool serves one and the others run serially on their callers.
        let totals = await withTaskGroup(of: Int.self) { group in
            for task in 0..<4 {
                group.addTask {
                    var sums = [Int](repeating: 0, count: 8)
                    sums.withUnsafeMutableBufferPointer { buffer in
                        let pointer = UncheckedSendable(buffer.baseAddress!)
                        WorkerPool.shared.run(8, threads: 2) { outer in
                            var inner = [Int](repeating: 0, count: 16)
                            inner.withUnsafeMutableBufferPointer { innerBuffer in
                                let innerPointer = UncheckedSendable(innerBuffer.baseAddress!)
                                WorkerPool.shared.run(16, threads: 2) { innerPointer.value[$0] = $0 + task }
                            }
                            pointer.value[outer] = inner.reduce(0, +)
                        }
                    }
                    return sums.reduce(0, +)
                }
            }
            return await group.reduce(into: [Int]()) { $0.append($1) }
        }
        // Each task: 8 × Σ_{i<16}(i + task) = 8 × (120 + 16·task).
        #expect(totals.sorted() == (0..<4).map { 8 * (120 + 16 * $0) })
    }

    @Test(.timeLimit(.minutes(1)))
    func makesProgressWhenOversubscribed() {
        // Far more pool threads than cores, beside threads that keep every core busy: each
        // of many small calls must still run every item exactly once, and the whole run
        // must finish (a pool that waited for every worker to wake would crawl here).
        let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)
        let stop = StopFlag()
        let hogs = (0..<cores).map { _ in
            Thread {
                var spin = 0
                while !stop.value.load(ordering: .relaxed) { spin &+= 1 }
            }
        }
        hogs.forEach { $0.start() }
        defer { stop.value.store(true, ordering: .relaxed) }
        var totals = [Int](repeating: 0, count: 64)
        for call in 0..<2_000 {
            totals.withUnsafeMutableBufferPointer { buffer in
                let pointer = UncheckedSendable(buffer.baseAddress!)
                WorkerPool.shared.run(64, threads: 4 * cores + 2) { index in pointer.value[index] += call % 3 }
            }
        }
        let expected = (0..<2_000).reduce(0) { $0 + $1 % 3 }
        #expect(totals.allSatisfy { $0 == expected })
    }

    @Test func aCallGetsNoMoreThreadsThanItAsksFor() {
        // Grow the pool to 5 workers, then ask for 2 threads: at most 2 distinct threads run items.
        WorkerPool.shared.run(64, threads: 6) { _ in usleep(200) }
        var runners = [UInt](repeating: 0, count: 256)
        runners.withUnsafeMutableBufferPointer { buffer in
            let pointer = UncheckedSendable(buffer.baseAddress!)
            WorkerPool.shared.run(256, threads: 2) { index in
                pointer.value[index] = UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(bitPattern: UInt(pthread_self()))))
                usleep(50)
            }
        }
        #expect(Set(runners).count <= 2)
    }

    @Test func parallelKernelsMatchSerialOnes() {
        var random = SeededRandom(seed: 3)
        let x = random.uniformTensor([300, 200], -4, 4)
        let y = random.uniformTensor([200, 150], -1, 1)
        let original = ComputeThreads.count
        defer { ComputeThreads.setThreadCount(original) }
        ComputeThreads.setThreadCount(1)
        let serial = (x.tanh(), Tensor.matmul(x, y))
        ComputeThreads.setThreadCount(2)
        let parallel = (x.tanh(), Tensor.matmul(x, y))
        #expect(serial.0 == parallel.0)
        // Products split at multiples of 96 rows tile every element's sum as one call does:
        // bit-identical with OpenBLAS and the portable kernel; other libraries may round
        // differently.
        if GEMM.blasLibraryName == nil || GEMM.blasLibraryName!.hasPrefix("OpenBLAS") {
            #expect(serial.1 == parallel.1)
        } else {
            #expect(maxRelativeDifference(serial.1, parallel.1) < 1e-6)
        }
        ComputeThreads.setThreadCount(2)
        let portableParallel = Tensor.matmul(x, y, path: .portable)
        ComputeThreads.setThreadCount(1)
        #expect(Tensor.matmul(x, y, path: .portable) == portableParallel)
    }

    /// Products of many shapes, short and narrow (run whole), short and wide (cut into
    /// fixed blocks of columns, the last one ragged), tall (split by rows), around the sizes
    /// where BLAS libraries change kernels, untransposed and with either operand transposed:
    /// the same bits on one thread and on two, and the product itself (to the portable kernel).
    @Test(arguments: [
        (64, 400, 300), (64, 1024, 300), (64, 1000, 300), (64, 8192, 512), (96, 4096, 64), (2048, 60, 18), (4096, 60, 18),
        (16_384, 60, 18), (1024, 512, 64), (4096, 1024, 128), (300, 300, 300),
    ])
    func productsMatchOnOneAndTwoThreads(_ m: Int, _ n: Int, _ k: Int) {
        var random = SeededRandom(seed: UInt64(m * 7 + n * 3 + k))
        let a = random.uniformTensor([m, k], -1, 1)
        let b = random.uniformTensor([k, n], -1, 1)
        let original = ComputeThreads.count
        defer { ComputeThreads.setThreadCount(original) }
        let (aTransposed, bTransposed) = (a.transposed, b.transposed)
        func products() -> [Tensor] {
            [Tensor.matmul(a, b), Tensor.matmul(aTransposed, b, transposeA: true), Tensor.matmul(a, bTransposed, transposeB: true)]
        }
        ComputeThreads.setThreadCount(1)
        let serial = products()
        ComputeThreads.setThreadCount(2)
        let parallel = products()
        // The portable kernel adds the k terms in another order, so the tolerance grows with k.
        let reference = Tensor.matmul(a, b, path: .portable)
        let differences = parallel.map { maxRelativeDifference($0, reference) }
        #expect(differences.allSatisfy { $0 < 2e-7 * Float(k) }, "\(m)×\(k) · \(k)×\(n): \(differences)")
        if GEMM.blasLibraryName == nil || GEMM.blasLibraryName!.hasPrefix("OpenBLAS") {
            #expect(serial == parallel, "\(m)×\(k) · \(k)×\(n)")
        } else {
            #expect(zip(serial, parallel).allSatisfy { maxRelativeDifference($0, $1) < 1e-6 })
        }
    }

    /// The kernels of convolutional training: a short product (run whole), the patch transforms (split by images) and Adam's
    /// update (split by elements) give the same values on one thread and on two.
    @Test func convolutionTrainingKernelsMatchSerialOnes() {
        var random = SeededRandom(seed: 4)
        let short = random.uniformTensor([64, 300], -1, 1)
        let wide = random.uniformTensor([300, 400], -1, 1)
        let geometry = ConvolutionGeometry(
            batch: 48, inputHeight: 12, inputWidth: 10, channels: 8, kernel: (4, 4), strides: (2, 2), padding: .same)
        let images = random.uniformTensor(geometry.inputShape, -1, 1)
        let patches = random.uniformTensor([geometry.patchCount, geometry.patchLength], -1, 1)
        let gradient = random.uniformTensor([300_001], -1, 1)
        func run() -> [Tensor] {
            var (parameters, m, v) = (Tensor(repeating: 0.5, shape: [300_001]), Tensor(zeros: [300_001]), Tensor(zeros: [300_001]))
            for _ in 0..<2 { parameters.adamUpdate(gradient: gradient, m: &m, v: &v, alpha: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7) }
            return [Tensor.matmul(short, wide), images.im2col(geometry), patches.col2im(geometry), parameters, m, v]
        }
        let original = ComputeThreads.count
        defer { ComputeThreads.setThreadCount(original) }
        ComputeThreads.setThreadCount(1)
        let serial = run()
        ComputeThreads.setThreadCount(2)
        let parallel = run()
        if GEMM.blasLibraryName == nil || GEMM.blasLibraryName!.hasPrefix("OpenBLAS") {
            #expect(serial[0] == parallel[0])
        } else {
            #expect(maxRelativeDifference(serial[0], parallel[0]) < 1e-6)
        }
        for index in 1..<serial.count { #expect(serial[index] == parallel[index], "kernel \(index)") }
        // Adam's first step moves every parameter by about α against its gradient's sign.
        var (once, m, v) = (Tensor(repeating: 0.5, shape: [300_001]), Tensor(zeros: [300_001]), Tensor(zeros: [300_001]))
        let alpha = Float(1e-3 * (1 - 0.999).squareRoot() / (1 - 0.9))
        once.adamUpdate(gradient: gradient, m: &m, v: &v, alpha: alpha, beta1: 0.9, beta2: 0.999, epsilon: 1e-7)
        // (Exact for |g| ≫ ε/√(1 − β₂) ≈ 3·10⁻⁶; the few tiny gradients are left out.)
        var steps: [Float] = []
        for (value, slope) in zip(once.scalars, gradient.scalars) where abs(slope) > 0.01 {
            steps.append(slope > 0 ? 0.5 - value : value - 0.5)
        }
        #expect(steps.allSatisfy { abs($0 - 1e-3) < 2e-5 }, "\(steps.min()!)…\(steps.max()!)")
    }
}

private final class StopFlag: Sendable {
    let value = Atomic<Bool>(false)
}

@Suite("Memory reuse")
struct MemoryReuseTests {
    /// glibc takes the arena limit and both thresholds (elsewhere there is nothing to set).
    @Test func glibcTakesTheSettings() {
        #if canImport(Glibc)
        #expect(MemoryReuse.keepFreedBuffers())
        #else
        #expect(!MemoryReuse.keepFreedBuffers())
        #endif
    }
}
