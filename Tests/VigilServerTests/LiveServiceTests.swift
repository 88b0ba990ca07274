import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import ServiceLifecycle
import Synchronization
import Testing
import VigilDetect
import VigilServer
import VigilTensor

@Suite("The service under load, reloads and shutdown")
struct LiveServiceTests {
    /// Many tasks, each with its own connection, score at once: every answer is the
    /// library's prediction for that task's rows.
    @Test func concurrentRequests() async throws {
        let service = try ServedModels.service()
        defer { service.stop() }
        let detector = try DetectorStore.load(from: service.store.folder.appendingPathComponent("aegmm"))
        let batches = (0..<32).map { ServedModels.rows(1 + $0 * 7, seed: UInt64(100 + $0)) }
        let expected = try batches.map { Data(PredictionJSON.encode(try detector.predict($0, returnFeatureScores: false), featureScores: false)) }
        try await service.application().test(.live) { client in
            let port = try #require(client.port)
            try await withThrowingTaskGroup(of: (Int, Data).self) { group in
                for (index, batch) in batches.enumerated() {
                    group.addTask {
                        let connection = ServedModels.connection(port)
                        defer { Task { try? await connection.shutdown() } }
                        var last = Data()
                        for _ in 0..<3 {
                            let response = try await connection.post("/v1/models/aegmm/predict", body: ServedModels.instancesBody(batch))
                            #expect(response.status == .ok)
                            last = Data(response.body.map { Array($0.readableBytesView) } ?? [])
                        }
                        return (index, last)
                    }
                }
                for try await (index, body) in group { #expect(body == expected[index], "batch \(index)") }
            }
        }
    }

    /// A folder replaced while requests run is swapped in; requests never fail; a folder that
    /// stops loading leaves the old model serving; a removed folder stops serving.
    @Test func reloadWhileServing() async throws {
        // The test scans itself; the watcher must not scan in between.
        let service = try ServedModels.service { $0.reloadInterval = .seconds(3600) }
        defer { service.stop() }
        let folder = service.store.folder.appendingPathComponent("ae")
        let before = try #require(service.store.model(named: "ae")).loadedAt
        try await service.application().test(.live) { client in
            let port = try #require(client.port)
            let failures = try await withThrowingTaskGroup(of: Int.self) { group in
                for task in 0..<4 {
                    group.addTask {
                        let connection = ServedModels.connection(port)
                        defer { Task { try? await connection.shutdown() } }
                        var failed = 0
                        for _ in 0..<25 {
                            let response = try await connection.post("/v1/models/ae/predict", body: ServedModels.instancesBody(ServedModels.rows(50, seed: UInt64(task))))
                            if response.status != .ok { failed += 1 }
                        }
                        return failed
                    }
                }
                group.addTask {
                    for seed in 1...3 {
                        let replacement = try ServedModels.trained("ae", seed: UInt64(seed))
                        try replacement.save(to: folder, overwrite: true)
                        let report = service.reload()
                        #expect(report.loaded == ["ae"] && report.failed.isEmpty)
                        #expect(service.store.model(named: "ae")?.loadedAt ?? before > before)
                    }
                    return 0
                }
                return try await group.reduce(0, +)
            }
            #expect(failures == 0)
            let serving = try #require(service.store.model(named: "ae"))
            let latest = try DetectorStore.load(from: folder)
            let threshold = try ServedModels.json(try await client.execute(uri: "/v1/models/ae", method: .get).body)["threshold"] as? [String: Any]
            #expect((threshold?["value"] as? Double).map(Float.init) == latest.threshold?.value)

            try Data("{not json".utf8).write(to: folder.appendingPathComponent("config.json"))
            let broken = service.reload()
            #expect(broken.loaded.isEmpty && broken.failed["ae"]?.contains("config.json") == true)
            #expect(service.store.model(named: "ae")?.loadedAt == serving.loadedAt)
            let again = service.reload()
            #expect(again.loaded.isEmpty && again.failed.isEmpty && again.removed.isEmpty, "a failure is reported once per change")
            #expect(try await client.execute(uri: "/v1/models/ae/predict", method: .post, body: ServedModels.instancesBody(ServedModels.rows(2, seed: 1))).status == .ok)

            try FileManager.default.removeItem(at: folder)
            #expect(service.reload().removed.isEmpty, "a folder missing at one scan may be being replaced")
            #expect(service.reload().removed == ["ae"])
            #expect(try await client.execute(uri: "/v1/models/ae/predict", method: .post, body: ServedModels.instancesBody(ServedModels.rows(2, seed: 1))).status == .notFound)
            let text = ServedModels.text(try await client.execute(uri: "/metrics", method: .get).body)
            let series = try MetricsText.parse(text)
            #expect(series["vigil_model_reloads_total{result=\"loaded\"}"] == 5)
            #expect(series["vigil_model_reloads_total{result=\"failed\"}"] == 1)
            #expect(series["vigil_model_reloads_total{result=\"removed\"}"] == 1)
            #expect(series["vigil_models_loaded"] == 1)
        }
    }

    /// The metrics text parses, and counts what was asked of the service.
    @Test func metricsCountRequests() async throws {
        let service = try ServedModels.service()
        defer { service.stop() }
        try await Application(router: service.router()).test(.router) { client in
            for _ in 0..<3 {
                _ = try await client.execute(uri: "/v1/models/aegmm/predict", method: .post, body: ServedModels.instancesBody(ServedModels.rows(10, seed: 5)))
            }
            _ = try await client.execute(uri: "/v1/models/aegmm/predict", method: .post, body: ByteBuffer(string: "{"))
            _ = try await client.execute(uri: "/v1/models/missing/predict", method: .post, body: ByteBuffer(string: "{}"))
            let response = try await client.execute(uri: "/metrics", method: .get)
            #expect(response.headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
            let series = try MetricsText.parse(ServedModels.text(response.body))
            #expect(series["vigil_requests_total{route=\"/v1/models/{name}/predict\",status=\"200\"}"] == 3)
            #expect(series["vigil_requests_total{route=\"/v1/models/{name}/predict\",status=\"400\"}"] == 1)
            #expect(series["vigil_request_errors_total{route=\"/v1/models/{name}/predict\",status=\"404\"}"] == 1)
            #expect(series["vigil_rows_scored_total{model=\"aegmm\"}"] == 30)
            #expect(series["vigil_request_duration_seconds_count{route=\"/v1/models/{name}/predict\"}"] == 5)
            #expect(series["vigil_request_duration_seconds_bucket{route=\"/v1/models/{name}/predict\",le=\"+Inf\"}"] == 5)
            #expect(series["vigil_models_loaded"] == 2)
        }
    }

    /// A graceful shutdown lets the request in flight finish with its full answer, then the
    /// service stops.
    @Test func shutdownDrainsRequestsInFlight() async throws {
        let service = try ServedModels.service()
        defer { service.stop() }
        let port = Mutex<Int?>(nil)
        let group = ServiceGroup(
            configuration: .init(services: [service.application { bound in port.withLock { $0 = bound } }], logger: Logger(label: "test")))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var bound: Int?
            for _ in 0..<500 where bound == nil {
                try await Task.sleep(for: .milliseconds(10))
                bound = port.withLock { $0 }
            }
            let open = try #require(bound)
            let rows = ServedModels.rows(60_000, seed: 8)
            let expected = Data(PredictionJSON.encode(try service.store.model(named: "ae").map { _ in
                try DetectorStore.load(from: service.store.folder.appendingPathComponent("ae")).predict(rows, returnFeatureScores: false)
            }!, featureScores: false))
            let connection = ServedModels.connection(open, timeout: .seconds(120))
            let answered = Mutex(false)
            let body = ServedModels.instancesBody(rows)  // built first: the request starts at once
            async let answer = { () async throws -> TestClient.Response in
                let response = try await connection.post("/v1/models/ae/predict", body: body)
                answered.withLock { $0 = true }
                return response
            }()
            try await Task.sleep(for: .milliseconds(150))
            #expect(!answered.withLock { $0 }, "the request must still be in flight when the shutdown begins")
            await group.triggerGracefulShutdown()
            let response = try await answer
            #expect(response.status == .ok)
            #expect(Data(response.body.map { Array($0.readableBytesView) } ?? []) == expected)
            try await tasks.waitForAll()
            try? await connection.shutdown()
            let late = ServedModels.connection(open)
            await #expect(throws: (any Error).self) { _ = try await late.get("/v2/health/live") }
            try? await late.shutdown()
        }
    }
}

/// Reads the Prometheus text exposition format: `# TYPE`/`# HELP` lines, then
/// `name{labels} value` samples; anything else is an error.
enum MetricsText {
    struct Malformed: Error { var line: String }

    static func parse(_ text: String) throws -> [String: Double] {
        var series: [String: Double] = [:]
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# TYPE ") || line.hasPrefix("# HELP ") { continue }
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { throw Malformed(line: String(line)) }
            let key = String(line[..<space])
            guard key.range(of: #"^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="[^"]*",?)*\})?$"#, options: .regularExpression) != nil else {
                throw Malformed(line: String(line))
            }
            series[key] = value
        }
        return series
    }
}
