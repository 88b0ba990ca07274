import Foundation
import Synchronization

/// Runs the requests' work — reading their rows, scoring, writing the answer — on threads
/// of its own, at most `width` jobs at a time, first come first served, so the event loops
/// and Swift's concurrency pool stay free to accept connections and answer health checks
/// while the cores score.
///
/// At most `capacity` jobs wait; a job beyond that is refused at once (503) rather than
/// queued behind work that will outlive its client. A caller that is cancelled (its request
/// timed out, its client went away) stops waiting at once; a job it left that has not
/// started is skipped, one already running finishes and its result is dropped.
final class ScoringQueue: Sendable {
    private struct State {
        var jobs: [(@Sendable () -> Void)?] = []
        var head = 0
        var stopped = false
        var waiting: Int { jobs.count - head }
    }

    private let state = Mutex(State())
    private let condition = NSCondition()
    let width: Int
    let capacity: Int

    init(width: Int, capacity: Int) {
        self.width = max(1, width)
        self.capacity = max(1, capacity)
        for index in 0..<self.width {
            let thread = Thread { [self] in self.work() }
            thread.name = "vigil-scoring-\(index)"
            thread.start()
        }
    }

    /// Runs `work` on a scoring thread and returns its result, or throws `CancellationError`
    /// as soon as the calling task is cancelled, or a 503 when the queue is full or stopped.
    func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        let slot = ResumeOnce<T>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                slot.arm(continuation)
                if let refusal = submit({ if !slot.isFinished { slot.resume(Result { try work() }) } }) {
                    slot.resume(.failure(refusal))
                }
            }
        } onCancel: {
            slot.resume(.failure(CancellationError()))
        }
    }

    /// Lets the threads end once the jobs already queued are done; later jobs are refused.
    func stop() {
        state.withLock { $0.stopped = true }
        condition.lock()
        condition.broadcast()
        condition.unlock()
    }

    /// Queues `job`, or says why it was refused.
    private func submit(_ job: @escaping @Sendable () -> Void) -> ServiceError? {
        let refusal: ServiceError? = state.withLock { state in
            if state.stopped { return ServiceError(.serviceUnavailable, "the service is stopping") }
            guard state.waiting < capacity else {
                return ServiceError(.serviceUnavailable, "the service is busy: \(capacity) requests are already waiting to be scored (--max-queued)")
            }
            state.jobs.append(job)
            return nil
        }
        if refusal != nil { return refusal }
        condition.lock()
        condition.signal()
        condition.unlock()
        return nil
    }

    private func work() {
        while true {
            let next: (@Sendable () -> Void)? = state.withLock { state in
                guard state.head < state.jobs.count else { return nil }
                let job = state.jobs[state.head]
                state.jobs[state.head] = nil
                state.head += 1
                if state.head == state.jobs.count {
                    state.jobs.removeAll(keepingCapacity: true)
                    state.head = 0
                } else if state.head > 1024, state.head * 2 > state.jobs.count {
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
            let (idle, stopped) = state.withLock { ($0.waiting == 0, $0.stopped) }
            if idle && stopped {
                condition.unlock()
                return
            }
            if idle { condition.wait() }
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
