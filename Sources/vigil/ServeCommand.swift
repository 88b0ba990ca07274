import ArgumentParser
import Foundation
import Logging
import VigilServer

/// `vigil serve`: the scoring service and the dashboard over every detector in a folder.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve every detector saved under a folder: the V2 inference protocol, a simple JSON/CSV form, metrics and a dashboard.",
        discussion: """
            Each subfolder of --models holding a saved detector is served under its folder's \
            name. The folder is scanned every --reload-interval seconds: a new or changed \
            detector is loaded and swapped in (requests in flight finish on the old one); one \
            that fails to load is reported and the old one keeps serving. SIGTERM or SIGINT \
            stops accepting connections and lets the requests in flight finish. Binds to \
            loopback unless --host says otherwise; put TLS in a proxy in front.
            """)

    @Option(help: "The folder of saved detectors (one subfolder each).") var models: String
    @Option(help: "The address to bind (0.0.0.0 for every interface).") var host = "127.0.0.1"
    @Option(help: "The port (0 picks a free one, printed at start).") var port = 8080
    @Option(help: "A file whose first line is the token every route but the health checks requires (Authorization: Bearer …).") var tokenFile: String?
    @Option(help: "The largest request body, in bytes.") var maxBodyBytes = ServiceOptions().maximumBodyBytes
    @Option(help: "The most rows one request may hold.") var maxRows = ServiceOptions().maximumRows
    @Option(help: "Seconds a request may take before it is answered 503.") var requestTimeout: Double = 30
    @Option(help: "Seconds between scans of the models folder.") var reloadInterval: Double = 2
    @Option(help: "Requests scored at once (default: the machine's cores).") var scoringThreads = ServiceOptions().scoringThreads
    @Option(help: "Requests that may wait for scoring before more are answered 503.") var maxQueued = ServiceOptions().maximumQueued

    func validate() throws {
        for (name, seconds) in [("--request-timeout", requestTimeout), ("--reload-interval", reloadInterval)] {
            guard seconds.isFinite, seconds > 0, seconds <= 86_400 else {
                throw ValidationError("\(name) must be more than 0 and at most 86400 seconds, got \(seconds)")
            }
        }
    }

    func run() async throws {
        var options = ServiceOptions()
        options.host = host
        options.port = port
        options.maximumBodyBytes = maxBodyBytes
        options.maximumRows = maxRows
        options.requestTimeout = .seconds(requestTimeout)
        options.reloadInterval = .seconds(reloadInterval)
        options.scoringThreads = scoringThreads
        options.maximumQueued = maxQueued
        options.token = try tokenFile.map(ServiceOptions.token(fromFile:))
        var logger = Logger(label: "vigil.serve")
        logger.logLevel = .info
        let service = try ScoringService(models: URL(fileURLWithPath: models), options: options, logger: logger)
        let names = service.store.all.map(\.name)
        say("serving \(names.count) model\(names.count == 1 ? "" : "s") from \(models): \(names.joined(separator: ", "))")
        try await service.run { port in say("listening on http://\(host):\(port)/") }
        say("stopped")
    }
}
