import Foundation
import Synchronization

/// A small pool of persistent worker threads for Vigil's kernels.
///
/// `DispatchQueue.concurrentPerform` costs tens of microseconds per call on Linux, more
/// than a whole small kernel; these workers instead spin briefly on an atomic generation
/// counter after each job (so back-to-back kernels start within a microsecond or two) and
/// then park on a condition variable. The calling thread always takes part. A call made
/// while the pool is busy (from inside a job, or from a second thread) runs serially on
/// its caller, so nesting never deadlocks. Every worker takes part in every job, so the
/// pool is sized for Vigil's thread counts (a handful), not for hundreds of threads.
final class WorkerPool: @unchecked Sendable {
    static let shared = WorkerPool()

    private let generation = Atomic<Int>(0)
    private let nextIndex = Atomic<Int>(0)
    /// Workers that have finished with the current job (and dropped their reference to it).
    private let finishedWorkers = Atomic<Int>(0)
    private let busy = Atomic<Bool>(false)
    private let parked = Atomic<Int>(0)
    private let wakeUp = NSCondition()
    /// Set before `generation` is bumped (release) and read after it is seen (acquire).
    private var job: ((Int) -> Void)?
    private var jobCount = 0
    private var workerCount = 0

    /// Iterations a worker spins before it parks (about 50–100 µs).
    private let spinLimit = 200

    /// Runs `body(i)` for every `i` in `0..<count`, spread over `threads` threads.
    func run(_ count: Int, threads: Int, _ body: (Int) -> Void) {
        guard threads > 1, count > 1, busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged
        else {
            for index in 0..<count { body(index) }
            return
        }
        spawnWorkers(upTo: threads - 1)
        withoutActuallyEscaping(body) { escapable in
            job = escapable
            jobCount = count
            nextIndex.store(0, ordering: .relaxed)
            finishedWorkers.store(0, ordering: .relaxed)
            let workers = workerCount
            // Sequentially consistent with the worker's `parked` increment and re-check
            // below, so either the worker sees the new generation or this sees it parked.
            generation.add(1, ordering: .sequentiallyConsistent)
            if parked.load(ordering: .sequentiallyConsistent) > 0 {
                wakeUp.lock()
                wakeUp.broadcast()
                wakeUp.unlock()
            }
            drain(escapable)
            // Every worker takes part in every job, so the job is done, and no thread
            // holds the closure any more, once all of them have reported back.
            while finishedWorkers.load(ordering: .acquiring) < workers {}
            job = nil
        }
        busy.store(false, ordering: .releasing)
    }

    /// Runs items of the current job; the worker's reference to the job's closure ends
    /// with this call, before the worker reports back.
    @inline(never)
    private func participate() {
        if let job { drain(job) }
    }

    /// Takes and runs job items until none are left.
    private func drain(_ job: (Int) -> Void) {
        while true {
            let index = nextIndex.add(1, ordering: .relaxed).oldValue
            if index >= jobCount { return }
            job(index)
        }
    }

    /// Starts workers until there are `count`. Only called while `busy` is held, so no
    /// job is running and a new worker's first generation is the next job's.
    private func spawnWorkers(upTo count: Int) {
        while workerCount < count {
            workerCount += 1
            let current = generation.load(ordering: .acquiring)
            let thread = Thread { [unowned self] in self.workerLoop(startingAfter: current) }
            thread.name = "vigil-worker-\(workerCount)"
            thread.start()
        }
    }

    private func workerLoop(startingAfter generationSeen: Int) {
        var seen = generationSeen
        while true {
            var spins = 0
            while generation.load(ordering: .acquiring) == seen {
                spins += 1
                if spins < spinLimit {
                    sched_yield()
                    continue
                }
                wakeUp.lock()
                parked.add(1, ordering: .sequentiallyConsistent)
                while generation.load(ordering: .sequentiallyConsistent) == seen { wakeUp.wait() }
                parked.subtract(1, ordering: .releasing)
                wakeUp.unlock()
            }
            seen = generation.load(ordering: .acquiring)
            participate()
            finishedWorkers.add(1, ordering: .releasing)
        }
    }
}
