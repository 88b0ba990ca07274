import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import VigilDetect
import VigilTensor

/// The scoring service: every detector saved under one folder, served over HTTP.
///
/// Routes (see README's "Serving"):
/// - the V2 inference protocol: `GET /v2/health/live`, `GET /v2/health/ready`, `GET /v2`,
///   `GET /v2/models/{name}`, `GET /v2/models/{name}/ready`, `POST /v2/models/{name}/infer`;
/// - the simple form: `POST /v1/models/{name}/predict` (`{"instances": […]}` or a CSV body) →
///   the ``PredictionJSON`` that `vigil score --output x.json` writes for the same rows;
///   `GET /v1/models`, `GET /v1/models/{name}`;
/// - `GET /metrics` (Prometheus text), and the dashboard: `GET /`, `POST /v1/models/{name}/explain`,
///   `GET /v1/models/{name}/sample`, `GET /v1/stats`.
///
/// Models are looked up by name in the loaded set only: a name never becomes a path, so a
/// name holding `..` or `/` is simply an unknown model (404).
public final class ScoringService: Sendable {
    public let store: ModelStore
    public let options: ServiceOptions
    let metrics = ServiceMetrics()
    let queue: ScoringQueue
    let deadlines: RequestDeadlines
    let logger: Logger

    /// A service over the detectors in `models`, loaded at once (a folder that fails to load
    /// is logged and left out).
    public init(models: URL, options: ServiceOptions = ServiceOptions(), logger: Logger = Logger(label: "vigil.serve")) throws {
        try options.validate()
        store = try ModelStore(folder: models)
        self.options = options
        self.logger = logger
        queue = ScoringQueue(width: options.scoringThreads, capacity: options.maximumQueued)
        deadlines = RequestDeadlines()
        reload()
    }

    /// Scans the models folder once, logging and counting what changed.
    @discardableResult
    public func reload() -> ScanReport {
        let report = store.scan()
        for name in report.loaded { logger.info("loaded model \(name)") }
        for (name, reason) in report.failed.sorted(by: { $0.key < $1.key }) { logger.error("model \(name) failed to load: \(reason)") }
        for name in report.removed { logger.info("removed model \(name): its folder is gone") }
        metrics.scanned(report, serving: store.all.count)
        return report
    }

    /// The routes, behind the metrics, error and access middlewares.
    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: RequestMetricsMiddleware(metrics: metrics))
        router.add(middleware: JSONErrorMiddleware())
        if let token = options.token { router.add(middleware: BearerTokenMiddleware(token: Array(token.utf8))) }
        addRoutes(to: router)
        return router
    }

    /// The HTTP application with the folder watcher beside it; `onServerRunning` is called
    /// with the bound port.
    public func application(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        Application(
            router: router(),

            configuration: .init(address: .hostname(options.host, port: options.port), serverName: "vigil"),
            services: [ModelWatcher(service: self)],
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
            logger: logger)
    }

    /// Serves until SIGTERM or SIGINT, then stops accepting, lets the requests in flight
    /// finish and returns.
    public func run(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        defer { stop() }
        try await application(onServerRunning: onServerRunning).runService(gracefulShutdownSignals: [.sigterm, .sigint])
    }

    /// Stops the scoring and deadline threads (once no request will come).
    public func stop() {
        queue.stop()
        deadlines.stop()
    }
}

/// Scans the models folder every ``ServiceOptions/reloadInterval`` until shutdown.
struct ModelWatcher: Service {
    let service: ScoringService

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: service.options.reloadInterval)
                // Loading reads files and scores a probe row: off the concurrency pool.
                await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                    DispatchQueue.global(qos: .utility).async {
                        service.reload()
                        done.resume()
                    }
                }
            }
        }
    }
}
