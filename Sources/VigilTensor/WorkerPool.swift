import Foundation
import Synchronization

/// A small pool of persistent worker threads for Vigil's kernels.
///
/// `DispatchQueue.concurrentPerform` costs tens of microseconds per call on Linux, more
/// than a whole small kernel; these workers instead spin briefly on an atomic generation
/// counter after each job (so back-to-back kernels start within a microsecond or two) and
/// then park on a condition variable. The calling thread always takes part.
///
/// Workers *join* a job; they are never waited for. The caller takes items until none are
/// left, then closes the job to latecomers and waits only for the workers that joined and
/// are still running an item. A worker that is descheduled — the machine busy with another
/// process, more pool threads than cores — therefore costs nothing: its share is done by
/// whoever is running. A call made while the pool is busy (from inside a job, or from a
/// second thread) runs serially on its caller, so nesting never deadlocks.
///
/// A worker that is preempted in the middle of an item still holds the call up until it
/// runs again (a scheduler time slice, milliseconds, against kernels of microseconds).
/// When the caller has to wait for such a straggler much longer than the items take, the
/// pool backs off: the next calls run serially on the caller, twice as many after each
/// further straggle (up to ``maximumBackOff``), fewer again after each call without one.
/// With every core free nothing straggles and all threads are used; with a core taken by
/// another process the pool settles near the speed of one thread instead of far below it.
final class WorkerPool: @unchecked Sendable {
    static let shared = WorkerPool()

    private let generation = Atomic<Int>(0)
    private let nextIndex = Atomic<Int>(0)
    /// The workers inside the current job (low bits) and, once every item is taken, the
    /// ``closed`` bit that turns latecomers away.
    private let attendance = Atomic<Int>(0)
    private static let closed = 1 << 40
    private let busy = Atomic<Bool>(false)
    private let parked = Atomic<Int>(0)
    private let wakeUp = NSCondition()
    /// Set before `attendance` is reset and `generation` bumped (release); read by a
    /// worker only after it has joined (acquire).
    private var job: ((Int) -> Void)?
    private var jobCount = 0
    /// How many workers (besides the caller) the current job may take: a call asking for
    /// fewer threads than the pool has gets no more.
    private var jobWorkers = 0
    private var workerCount = 0

    /// Iterations a worker spins (yielding the core each time) before it parks.
    private let spinLimit = 200

    /// Calls still to run serially, and how many the next straggle asks for. Touched only
    /// by the thread holding `busy`.
    private var serialCallsLeft = 0
    private var backOff = 1
    static let maximumBackOff = 4096

    /// Runs `body(i)` for every `i` in `0..<count`, spread over up to `threads` threads.
    func run(_ count: Int, threads: Int, _ body: (Int) -> Void) {
        guard threads > 1, count > 1, busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged
        else {
            for index in 0..<count { body(index) }
            return
        }
        if serialCallsLeft > 0 {
            serialCallsLeft -= 1
            busy.store(false, ordering: .releasing)
            for index in 0..<count { body(index) }
            return
        }
        spawnWorkers(upTo: threads - 1)
        withoutActuallyEscaping(body) { escapable in
            job = escapable
            jobCount = count
            jobWorkers = threads - 1
            nextIndex.store(0, ordering: .relaxed)
            attendance.store(0, ordering: .releasing)
            // Sequentially consistent with the worker's `parked` increment and re-check
            // below, so either the worker sees the new generation or this sees it parked.
            generation.add(1, ordering: .sequentiallyConsistent)
            if parked.load(ordering: .sequentiallyConsistent) > 0 {
                wakeUp.lock()
                wakeUp.broadcast()
                wakeUp.unlock()
            }
            let start = monotonicNanoseconds()
            let itemsDone = drain(escapable)
            let drained = monotonicNanoseconds()
            // Every item is taken: no worker may join any more, and those inside finish
            // the item they hold. Then no thread holds the closure.
            var inside = attendance.bitwiseOr(Self.closed, ordering: .acquiringAndReleasing).oldValue
            var waits = 0
            while inside & (Self.closed - 1) != 0 {
                waits += 1
                if waits > 64 { sched_yield() }
                inside = attendance.load(ordering: .acquiring)
            }
            job = nil
            if waits > 0, itemsDone > 0 {
                adjustBackOff(waited: monotonicNanoseconds() - drained, perItem: (drained - start) / UInt64(itemsDone))
            } else if backOff > 1 {
                backOff /= 2
            }
        }
        busy.store(false, ordering: .releasing)
    }

    /// Joins the current job unless it is closed or has all the workers it asked for; on
    /// success the worker must leave it (decrement `attendance`) when done.
    private func join() -> Bool {
        var current = attendance.load(ordering: .relaxed)
        while current & Self.closed == 0, current < jobWorkers {
            let (exchanged, original) = attendance.compareExchange(
                expected: current, desired: current + 1, ordering: .acquiringAndReleasing)
            if exchanged { return true }
            current = original
        }
        return false
    }

    /// Runs items of the current job; the worker's reference to the job's closure ends
    /// with this call, before the worker leaves.
    @inline(never)
    private func participate() {
        if let job { drain(job) }
    }

    /// Counts a straggle when the caller waited far longer than an item takes (a worker
    /// preempted mid-item), and sets how many calls to run serially.
    private func adjustBackOff(waited: UInt64, perItem: UInt64) {
        guard waited > 50_000, waited > 8 * perItem else {
            if backOff > 1 { backOff /= 2 }
            return
        }
        serialCallsLeft = backOff
        backOff = min(backOff * 2, Self.maximumBackOff)
    }

    /// Takes and runs job items until none are left; returns how many it ran.
    @discardableResult
    private func drain(_ job: (Int) -> Void) -> Int {
        var done = 0
        while true {
            let index = nextIndex.add(1, ordering: .relaxed).oldValue
            if index >= jobCount { return done }
            job(index)
            done += 1
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
            if join() {
                participate()
                attendance.subtract(1, ordering: .releasing)
            }
        }
    }
}

/// A monotonic clock in nanoseconds (`CLOCK_MONOTONIC`, a vDSO call of a few nanoseconds).
@inline(__always)
private func monotonicNanoseconds() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
}
