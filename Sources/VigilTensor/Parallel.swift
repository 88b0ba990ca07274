import Foundation
import Synchronization

/// How many threads Vigil's kernels (matrix products included) may use.
///
/// Read once from the `VIGIL_THREADS` environment variable (default: every core the
/// process may use); change it with ``setThreadCount(_:)``.
public enum ComputeThreads {
    private static let storage = Atomic<Int>(initialValue())

    private static func initialValue() -> Int {
        if let text = Environment.value("VIGIL_THREADS"), let value = Int(text), (1...256).contains(value) {
            return value
        }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }

    /// The number of threads kernels may use, at least 1.
    public static var count: Int { storage.load(ordering: .relaxed) }

    /// Sets the number of threads for Vigil's kernels and the BLAS backend.
    ///
    /// - Precondition: `count >= 1`.
    public static func setThreadCount(_ count: Int) {
        precondition(count >= 1, "ComputeThreads.setThreadCount: expected at least 1 thread, got \(count)")
        storage.store(count, ordering: .relaxed)
    }
}

/// Runs `body(i)` for every `i` in `0..<count` on up to ``ComputeThreads/count`` threads
/// (the caller's included). Kernels called from `body` run serially on its thread, so
/// independent pieces of work — the chunks of a large batch to score, say — run side by
/// side without oversubscribing the cores. `body` must only write to places no other
/// item touches.
public func parallelForEach(_ count: Int, _ body: (Int) -> Void) {
    WorkerPool.shared.run(count, threads: min(ComputeThreads.count, count), body)
}

/// Splits `0..<count` into contiguous chunks and runs `body` on each, in parallel when
/// more than one thread is allowed and the work is large enough to pay for it.
///
/// - Parameters:
///   - count: the number of items.
///   - minimumPerThread: the smallest number of items worth a thread of its own.
///   - body: called with disjoint ranges covering `0..<count`.
@inline(__always)
func parallelChunks(_ count: Int, minimumPerThread: Int = 16_384, _ body: (Range<Int>) -> Void) {
    parallelBlocks(count, threads: min(ComputeThreads.count, count / max(minimumPerThread, 1)), body)
}

/// Runs `body` on contiguous blocks covering `0..<count` (inline for one thread), every
/// boundary a multiple of `alignment`, spread over `threads` threads.
///
/// The range is cut into `piecesPerThread` blocks per thread (fewer when `alignment`
/// leaves fewer), taken first come, first served: a thread that is descheduled by another
/// process hands its share to the others instead of holding up the whole call. The cut
/// depends on the thread count, so `body` must compute the same values whatever the cut
/// (element-wise work; products split at register-tile multiples).
@inline(__always)
func parallelBlocks(_ count: Int, threads: Int, alignment: Int = 1, piecesPerThread: Int = 4, _ body: (Range<Int>) -> Void) {
    if threads <= 1 {
        body(0..<count)
        return
    }
    let pieces = max(threads, min(threads * piecesPerThread, count / max(alignment, 1)))
    func boundary(_ piece: Int) -> Int {
        piece == pieces ? count : min(count, (count * piece / pieces + alignment / 2) / alignment * alignment)
    }
    WorkerPool.shared.run(pieces, threads: threads) { piece in
        let range = boundary(piece)..<boundary(piece + 1)
        if !range.isEmpty { body(range) }
    }
}

/// Wraps a value that is handed to worker threads whose accesses are disjoint by
/// construction (each writes its own range of an output buffer).
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
