import Foundation

/// How `vigil serve` listens and what it accepts.
public struct ServiceOptions: Sendable {
    /// The address to bind; loopback unless asked otherwise (TLS belongs to a proxy in front).
    public var host = "127.0.0.1"
    /// The port; 0 picks a free one.
    public var port = 8080
    /// The largest request body read, in bytes (default 32 MiB: 1,000 rows of 274 features
    /// as JSON take about 2.5 MB, 100,000 rows of 18 about 17 MB).
    public var maximumBodyBytes = 32 << 20
    /// The most rows one request may hold (default 100,000).
    public var maximumRows = 100_000
    /// How long a request may take, reading its body and scoring, before it is answered 503
    /// (default 30 s).
    public var requestTimeout: Duration = .seconds(30)
    /// How often the models folder is scanned for new, changed and removed folders (default 2 s).
    public var reloadInterval: Duration = .seconds(2)
    /// With a token, every route but the health checks requires `Authorization: Bearer <token>`.
    public var token: String?
    /// How many requests score at once (default: the machine's cores).
    public var scoringThreads = ProcessInfo.processInfo.activeProcessorCount
    /// How many requests may wait for a scoring thread before more are answered 503 (default 1,024).
    public var maximumQueued = 1024

    public init() {}

    /// Checks every limit, naming the flag.
    public func validate() throws {
        func check(_ ok: Bool, _ name: String, _ expected: String, _ actual: String) throws {
            if !ok { throw ServiceSetupError.invalidOption(name: name, expected: expected, actual: actual) }
        }
        let day = Duration.seconds(86_400)
        try check((0...65535).contains(port), "--port", "0…65535", "\(port)")
        try check((1...(1 << 34)).contains(maximumBodyBytes), "--max-body-bytes", "1…\(1 << 34)", "\(maximumBodyBytes)")
        try check((1...10_000_000).contains(maximumRows), "--max-rows", "1…10000000", "\(maximumRows)")
        try check(requestTimeout > .zero && requestTimeout <= day, "--request-timeout", "more than 0 and at most 86400 seconds", "\(requestTimeout)")
        try check(reloadInterval > .zero && reloadInterval <= day, "--reload-interval", "more than 0 and at most 86400 seconds", "\(reloadInterval)")
        try check((1...256).contains(scoringThreads), "--scoring-threads", "1…256", "\(scoringThreads)")
        try check((1...1_000_000).contains(maximumQueued), "--max-queued", "1…1000000", "\(maximumQueued)")
        if let token { try check(!token.isEmpty && token.utf8.allSatisfy { (0x21...0x7E).contains($0) }, "--token-file", "a token of printable ASCII without spaces", "\(token.utf8.count) bytes") }
    }

    /// Reads a token from `file`: its first line, surrounding whitespace removed.
    public static func token(fromFile file: String) throws -> String {
        let text: String
        do { text = try String(contentsOfFile: file, encoding: .utf8) } catch {
            throw ServiceSetupError.unreadableToken(file: file, reason: error.localizedDescription)
        }
        let line = text.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? ""
        let token = line.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else { throw ServiceSetupError.unreadableToken(file: file, reason: "the file is empty") }
        return token
    }
}
