import Foundation
import Synchronization

/// Runs scoring on threads of its own, at most `width` jobs at a time, first come first
/// served, so the event loops and Swift's concurrency pool stay free to read requests and
/// answer health checks while the cores score.
///
/// A caller that is cancelled (its request timed out, its client went away) stops waiting
/// at once; a job already running finishes and its result is dropped.
final class ScoringQueue: Sendable {
    private struct State {
        var jobs: [@Sendable () -> Void] = []
        var head = 0
        var stopped = false
    }

    private let state = Mutex(State())
    private let condition = NSCondition()
    let width: Int

    init(width: Int) {
        self.width = max(1, width)
        for index in 0..<self.width {
            let thread = Thread { [self] in self.work() }
            thread.name = "vigil-scoring-\(index)"
            thread.start()
        }
    }

    /// Runs `work` on a scoring thread and returns its result, or throws `CancellationError`
    /// as soon as the calling task is cancelled.
    func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        let slot = ResumeOnce<T>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                slot.arm(continuation)
                submit { if !slot.isFinished { slot.resume(Result { try work() }) } }
            }
        } onCancel: {
            slot.resume(.failure(CancellationError()))
        }
    }

    /// Lets the threads end once the jobs already queued are done.
    func stop() {
        state.withLock { $0.stopped = true }
        condition.lock()
        condition.broadcast()
        condition.unlock()
    }

    private func submit(_ job: @escaping @Sendable () -> Void) {
        state.withLock { $0.jobs.append(job) }
        condition.lock()
        condition.signal()
        condition.unlock()
    }

    private func work() {
        while true {
            let next: (@Sendable () -> Void)? = state.withLock { state in
                guard state.head < state.jobs.count else { return nil }
                let job = state.jobs[state.head]
                state.head += 1
                if state.head > 1024, state.head * 2 > state.jobs.count {
                    state.jobs.removeFirst(state.head)
                    state.head = 0
                }
                return job
            }
            if let next {
                next()
                continue
            }
            condition.lock()
            let idle = state.withLock { ($0.head == $0.jobs.count, $0.stopped) }
            if idle.1 && idle.0 {
                condition.unlock()
                return
            }
            if idle.0 { condition.wait() }
            condition.unlock()
        }
    }
}

/// A continuation resumed exactly once, by whichever comes first: the job or the cancellation.
private final class ResumeOnce<T: Sendable>: Sendable {
    private let state = Mutex<(continuation: CheckedContinuation<T, any Error>?, pending: Result<T, any Error>?, done: Bool)>((nil, nil, false))

    var isFinished: Bool { state.withLock { $0.done } }

    func arm(_ continuation: CheckedContinuation<T, any Error>) {
        let early: Result<T, any Error>? = state.withLock { state in
            if let pending = state.pending {
                state.pending = nil
                return pending
            }
            state.continuation = continuation
            return nil
        }
        if let early { continuation.resume(with: early) }
    }

    func resume(_ result: Result<T, any Error>) {
        let continuation: CheckedContinuation<T, any Error>? = state.withLock { state in
            guard !state.done else { return nil }
            state.done = true
            guard let continuation = state.continuation else {
                state.pending = result
                return nil
            }
            state.continuation = nil
            return continuation
        }
        continuation?.resume(with: result)
    }
}
