import Foundation
import Testing
@testable import VigilServer

@Suite("The scoring queue")
struct ScoringQueueTests {
    /// With one thread and room for one waiting job: a third job is refused with a 503 at
    /// once, a waiting caller that is cancelled returns at once, and the queue runs on.
    @Test func refusesBeyondCapacityAndLetsCancelledCallersGo() async throws {
        let queue = ScoringQueue(width: 1, capacity: 1)
        defer { queue.stop() }
        let release = DispatchSemaphore(value: 0)
        let started = DispatchSemaphore(value: 0)
        let blocking = Task { try await queue.run { started.signal(); release.wait(); return 1 } }
        started.wait()
        let waiting = Task { try await queue.run { 2 } }
        try await Task.sleep(for: .milliseconds(50))
        await #expect(throws: ServiceError(.serviceUnavailable, "the service is busy: 1 requests are already waiting to be scored (--max-queued)")) {
            _ = try await queue.run { 3 }
        }
        waiting.cancel()
        await #expect(throws: CancellationError.self) { _ = try await waiting.value }
        release.signal()
        #expect(try await blocking.value == 1)
        #expect(try await queue.run { 4 } == 4)
        queue.stop()
        await #expect(throws: ServiceError(.serviceUnavailable, "the service is stopping")) { _ = try await queue.run { 5 } }
    }
}
