import CoreMetrics
import Foundation
import Metrics
import Prometheus
import Synchronization

/// The service's counters and latencies, recorded through swift-metrics into a Prometheus
/// registry of the service's own (several services in one process do not mix), and a short
/// window of the last minute for the dashboard's live panel.
///
/// Prometheus series (`GET /metrics`):
/// - `vigil_requests_total{route,status}`, `vigil_request_errors_total{route,status}` (status ≥ 400);
/// - `vigil_request_duration_seconds{route}`, a histogram (buckets 0.25 ms … 10 s);
/// - `vigil_rows_scored_total{model}`, `vigil_outliers_flagged_total{model}`;
/// - `vigil_model_reloads_total{result}` (`loaded`, `failed`, `removed`), `vigil_models_loaded`.
final class ServiceMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    private let recent = Mutex(RecentWindow())
    static let buckets: [Duration] = [
        .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
        .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
        .seconds(2.5), .seconds(10),
    ]

    init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = Self.buckets
        self.factory = factory
    }

    /// One answered request.
    func request(route: String, status: Int, duration: Duration) {
        let labels = [("route", route), ("status", String(status))]
        CoreMetrics.Counter(label: "vigil_requests_total", dimensions: labels, factory: factory).increment()
        if status >= 400 { CoreMetrics.Counter(label: "vigil_request_errors_total", dimensions: labels, factory: factory).increment() }
        CoreMetrics.Timer(label: "vigil_request_duration_seconds", dimensions: [("route", route)], factory: factory).record(duration: duration)
        recent.withLock { $0.record(status: status, duration: duration, at: Date().timeIntervalSince1970) }
    }

    /// Rows scored by `model`, of which `outliers` were flagged.
    func scored(model: String, rows: Int, outliers: Int) {
        CoreMetrics.Counter(label: "vigil_rows_scored_total", dimensions: [("model", model)], factory: factory).increment(by: rows)
        CoreMetrics.Counter(label: "vigil_outliers_flagged_total", dimensions: [("model", model)], factory: factory).increment(by: outliers)
    }

    /// What a scan of the models folder did, and how many models now serve.
    func scanned(_ report: ScanReport, serving: Int) {
        for (result, count) in [("loaded", report.loaded.count), ("failed", report.failed.count), ("removed", report.removed.count)] where count > 0 {
            CoreMetrics.Counter(label: "vigil_model_reloads_total", dimensions: [("result", result)], factory: factory).increment(by: count)
        }
        CoreMetrics.Gauge(label: "vigil_models_loaded", factory: factory).record(serving)
    }

    /// The Prometheus text exposition of every series.
    var exposition: [UInt8] { registry.emitToBuffer() }

    /// Requests and errors per second over the last minute (oldest first) and latency percentiles over it.
    func live() -> LiveStatistics {
        recent.withLock { $0.statistics(now: Date().timeIntervalSince1970) }
    }
}

/// The dashboard's live panel.
struct LiveStatistics: Encodable {
    var requestsPerSecond: [Int]
    var errorsPerSecond: [Int]
    var p50Milliseconds: Double?
    var p99Milliseconds: Double?

    enum CodingKeys: String, CodingKey {
        case requestsPerSecond = "requests_per_second", errorsPerSecond = "errors_per_second"
        case p50Milliseconds = "p50_ms", p99Milliseconds = "p99_ms"
    }
}

/// Per-second counts and latency histograms (buckets a quarter of a binary order of
/// magnitude wide, from 1 µs) over the last 60 seconds.
struct RecentWindow {
    static let seconds = 60
    static let latencyBuckets = 112
    private var second = [Int](repeating: -1, count: seconds)
    private var requests = [Int](repeating: 0, count: seconds)
    private var errors = [Int](repeating: 0, count: seconds)
    private var latencies = [[Int]](repeating: [Int](repeating: 0, count: latencyBuckets), count: seconds)

    mutating func record(status: Int, duration: Duration, at time: Double) {
        let now = Int(time)
        let slot = now % Self.seconds
        if second[slot] != now {
            second[slot] = now
            requests[slot] = 0
            errors[slot] = 0
            latencies[slot] = [Int](repeating: 0, count: Self.latencyBuckets)
        }
        requests[slot] += 1
        if status >= 400 { errors[slot] += 1 }
        latencies[slot][Self.bucket(duration)] += 1
    }

    static func bucket(_ duration: Duration) -> Int {
        let microseconds = max(1, Double(duration.components.seconds) * 1e6 + Double(duration.components.attoseconds) / 1e12)
        return min(latencyBuckets - 1, Int(4 * log2(microseconds)))
    }

    /// The upper edge of `bucket`, in milliseconds.
    static func edge(_ bucket: Int) -> Double { pow(2, Double(bucket + 1) / 4) / 1000 }

    func statistics(now: Double) -> LiveStatistics {
        let seconds = Self.seconds
        let current = Int(now)
        var perSecond: [Int] = []
        var errorCounts: [Int] = []
        var histogram = [Int](repeating: 0, count: Self.latencyBuckets)
        for time in (current - seconds + 1)...current {
            let slot = ((time % Self.seconds) + Self.seconds) % Self.seconds
            let valid = second[slot] == time
            perSecond.append(valid ? requests[slot] : 0)
            errorCounts.append(valid ? errors[slot] : 0)
            if valid { for bucket in 0..<Self.latencyBuckets { histogram[bucket] += latencies[slot][bucket] } }
        }
        let total = histogram.reduce(0, +)
        func percentile(_ q: Double) -> Double? {
            guard total > 0 else { return nil }
            var seen = 0
            for (bucket, count) in histogram.enumerated() {
                seen += count
                if Double(seen) >= q * Double(total) { return Self.edge(bucket) }
            }
            return Self.edge(Self.latencyBuckets - 1)
        }
        return LiveStatistics(requestsPerSecond: perSecond, errorsPerSecond: errorCounts, p50Milliseconds: percentile(0.5), p99Milliseconds: percentile(0.99))
    }
}
