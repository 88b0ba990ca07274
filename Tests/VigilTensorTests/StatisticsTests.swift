import Testing
import VigilTensor

@Suite("Statistics")
struct StatisticsTests {
    @Test func percentileIsNumPysLinear() {
        // numpy.percentile([1, 2, 3, 4], 95) = 3.85; [5, 1, 3] at 50 → 3
        #expect(abs(percentile([1, 2, 3, 4], 95) - 3.85) < 1e-6)
        #expect(percentile([5, 1, 3], 50) == 3)
        #expect(percentile([7], 30) == 7)
    }
}
