import Foundation
import Hummingbird
import Synchronization

/// Cuts off requests that run past ``ServiceOptions/requestTimeout``: each request runs as a
/// task registered with its deadline, and one thread looks every 10 ms for tasks past theirs
/// and cancels them (their scoring stops waiting at once, see ``ScoringQueue``).
///
/// One checker for all requests rather than a timer per request: a cancelled `Task.sleep`
/// keeps its memory until its deadline would have passed, which at tens of thousands of
/// requests per second and a 30-second limit held hundreds of megabytes.
final class RequestDeadlines: Sendable {
    private struct Entry {
        var deadline: ContinuousClock.Instant
        var task: Task<Response, any Error>
    }

    private struct State {
        var next = 0
        var running: [Int: Entry] = [:]
        var expired: Set<Int> = []
        var stopped = false
    }

    private let state = Mutex(State())
    static let checkInterval: UInt32 = 10_000  // microseconds

    init() {
        let thread = Thread { [self] in self.watch() }
        thread.name = "vigil-deadlines"
        thread.start()
    }

    /// Runs `operation`, answering 503 when it is still running `limit` after it started.
    func run(limit: Duration, _ operation: @escaping @Sendable () async throws -> Response) async throws -> Response {
        let task = Task { try await operation() }
        let id = state.withLock { state in
            state.next += 1
            state.running[state.next] = Entry(deadline: .now + limit, task: task)
            return state.next
        }
        defer { state.withLock { state in state.running.removeValue(forKey: id); state.expired.remove(id) } }
        do {
            return try await withTaskCancellationHandler { try await task.value } onCancel: { task.cancel() }
        } catch {
            if state.withLock({ $0.expired.contains(id) }) {
                throw ServiceError(.serviceUnavailable, "the request took longer than \(limit) (--request-timeout)")
            }
            throw error
        }
    }

    /// Ends the checking thread.
    func stop() { state.withLock { $0.stopped = true } }

    private func watch() {
        while true {
            usleep(Self.checkInterval)
            let now = ContinuousClock.now
            let (late, stopped): ([Task<Response, any Error>], Bool) = state.withLock { state in
                let ids = state.running.filter { $0.value.deadline <= now && !state.expired.contains($0.key) }.map(\.key)
                state.expired.formUnion(ids)
                return (ids.compactMap { state.running[$0]?.task }, state.stopped)
            }
            if stopped { return }
            for task in late { task.cancel() }
        }
    }
}
