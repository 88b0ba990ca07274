import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A data file published at fixed addresses with a known SHA-256.
public struct RemoteDataFile: Sendable, Equatable {
    /// The file name, as stored in data folders and the cache.
    public let name: String
    /// Where it can be downloaded, tried in order.
    public let urls: [URL]
    /// The SHA-256 of the published file, lowercase hexadecimal.
    public let sha256: String
    /// The published file's size in bytes, when known: a download of another size is
    /// reported as incomplete (or too long) before its checksum is computed.
    public let size: Int64?

    public init(name: String, urls: [URL], sha256: String, size: Int64? = nil) {
        self.name = name
        self.urls = urls
        self.sha256 = sha256
        self.size = size
    }
}

extension KDDCup {
    /// The 10% training file (494,021 records), as scikit-learn and alibi-detect fetch it.
    public static let tenPercentFile = RemoteDataFile(
        name: "kddcup.data_10_percent.gz",
        urls: [
            URL(string: "http://kdd.ics.uci.edu/databases/kddcup99/kddcup.data_10_percent.gz")!,
            URL(string: "https://ndownloader.figshare.com/files/5976042")!,
        ],
        sha256: "8045aca0d84e70e622d1148d7df782496f6333bf6eb979a1b0837c42a9fd9561")

    /// The full training file (4,898,431 records).
    public static let fullFile = RemoteDataFile(
        name: "kddcup.data.gz",
        urls: [
            URL(string: "http://kdd.ics.uci.edu/databases/kddcup99/kddcup.data.gz")!,
            URL(string: "https://ndownloader.figshare.com/files/5976045")!,
        ],
        sha256: "3b6c942aa0356c0ca35b7b595a26c89d343652c9db428893e7494f837b274292")

    /// The labelled test file `corrected` (311,029 records), from which deepad's test split is drawn.
    public static let correctedFile = RemoteDataFile(
        name: "corrected.gz",
        urls: [URL(string: "http://kdd.ics.uci.edu/databases/kddcup99/corrected.gz")!],
        sha256: "abd8165508378859b07e38537271f0ebf8a4d7319f643188cd7361e939a05c43")
}

/// Moves bytes from a URL into a local file.
public protocol DataTransport: Sendable {
    /// Downloads `url` into `destination` (a new file), reporting bytes received and the
    /// expected total when known; stops with an error once more than `maximumBytes` arrive
    /// (or are announced), when given.
    func download(_ url: URL, to destination: URL, maximumBytes: Int64?, progress: @escaping @Sendable (Int64, Int64?) -> Void) throws
}

/// Downloads with `URLSession`.
public struct URLSessionTransport: DataTransport {
    public init() {}

    public func download(_ url: URL, to destination: URL, maximumBytes: Int64?, progress: @escaping @Sendable (Int64, Int64?) -> Void) throws {
        let done = DispatchSemaphore(value: 0)
        let outcome = DownloadOutcome()
        let task = URLSession.shared.downloadTask(with: url) { location, response, error in
            if let error {
                outcome.set(.failure(error))
            } else if let http = response as? HTTPURLResponse, !(200..<300).contains(http.statusCode) {
                outcome.set(.failure(DataError.ioFailure(file: url.absoluteString, reason: "HTTP status \(http.statusCode)")))
            } else if let location {
                do {
                    try FileManager.default.moveItem(at: location, to: destination)
                    outcome.set(.success(()))
                } catch { outcome.set(.failure(error)) }
            }
            done.signal()
        }
        task.resume()
        var tooLong = false
        while done.wait(timeout: .now() + 0.25) == .timedOut {
            let expected = task.countOfBytesExpectedToReceive
            progress(task.countOfBytesReceived, expected > 0 ? expected : nil)
            if let maximumBytes, !tooLong, max(task.countOfBytesReceived, expected) > maximumBytes {
                tooLong = true
                task.cancel()
            }
        }
        if tooLong, let maximumBytes {
            throw DataError.ioFailure(file: url.absoluteString, reason: "more than the \(maximumBytes) bytes published; the download was stopped")
        }
        try outcome.get()
        // A last report with the file's size, so a progress display can finish its line (the
        // task's own counters may lag behind a transfer that has ended).
        let size = (try? FileManager.default.attributesOfItem(atPath: destination.path)[.size] as? NSNumber)?.int64Value ?? 0
        progress(size, size)
    }
}

private final class DownloadOutcome: @unchecked Sendable {
    private let lock = NSLock()
    private var result: Result<Void, Error> = .failure(DataError.ioFailure(file: "", reason: "no response"))
    func set(_ value: Result<Void, Error>) { lock.withLock { result = value } }
    func get() throws { try lock.withLock { result }.get() }
}

/// Where Vigil finds data files: data folders first (`--data-dir`, `VIGIL_DATA_DIR`),
/// then its download cache (`VIGIL_CACHE_DIR`, else `$XDG_CACHE_HOME/vigil`, else
/// `~/.cache/vigil`), and only then the network.
public struct DataStore: Sendable {
    /// Folders searched first, in order.
    public var dataDirectories: [URL]
    /// Where downloads are kept.
    public var cacheDirectory: URL
    /// How files are downloaded.
    public var transport: any DataTransport

    /// A store from explicit folders; `nil` takes the environment's.
    public init(
        dataDirectory: String? = nil, cacheDirectory: String? = nil, transport: any DataTransport = URLSessionTransport(),
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        dataDirectories = [dataDirectory, environment["VIGIL_DATA_DIR"]].compactMap { $0 }.map { URL(fileURLWithPath: $0) }
        if let cacheDirectory {
            self.cacheDirectory = URL(fileURLWithPath: cacheDirectory)
        } else if let explicit = environment["VIGIL_CACHE_DIR"] {
            self.cacheDirectory = URL(fileURLWithPath: explicit)
        } else if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty {
            self.cacheDirectory = URL(fileURLWithPath: xdg).appendingPathComponent("vigil")
        } else {
            self.cacheDirectory = FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/vigil")
        }
        self.transport = transport
    }

    /// The local copy of `file` in a data folder or the cache, if there is one.
    public func locate(_ file: RemoteDataFile) -> URL? {
        (dataDirectories + [cacheDirectory])
            .map { $0.appendingPathComponent(file.name) }
            .first { FileManager.default.fileExists(atPath: $0.path) }
    }

    /// A verified local copy of `file`: found in a data folder or the cache, or downloaded
    /// into the cache.
    ///
    /// A download goes to a temporary file in the cache folder, is checked against the
    /// published SHA-256, and only then renamed into place; a mismatch deletes it, so the
    /// cache never holds a half-written or wrong file.
    ///
    /// - Throws: ``DataError/checksumMismatch(file:expected:actual:deleted:)`` for a wrong file,
    ///   ``DataError/notFound(file:searched:hint:)`` when no copy exists and the download
    ///   fails (offline), naming the folders searched and how to point Vigil at a copy.
    public func fetch(_ file: RemoteDataFile, progress: @escaping @Sendable (Int64, Int64?) -> Void = { _, _ in }) throws -> URL {
        if let local = locate(file) {
            try verify(local, file, deleteOnMismatch: false)
            return local
        }
        let temporary = try download(file, verifying: true, progress: progress)
        let destination = cacheDirectory.appendingPathComponent(file.name)
        if rename(temporary.path, destination.path) != 0 {
            try? FileManager.default.removeItem(at: temporary)
            throw DataError.ioFailure(file: destination.path, reason: "cannot move the download into place")
        }
        return destination
    }

    /// Downloads `file` from the first of its addresses that answers into a temporary file in
    /// the cache folder (checked against its SHA-256 when `verifying`) and returns that file;
    /// the caller moves or removes it.
    func download(_ file: RemoteDataFile, verifying: Bool, progress: @escaping @Sendable (Int64, Int64?) -> Void) throws -> URL {
        try createCacheDirectory()
        var failures: [String] = []
        for url in file.urls {
            let temporary = cacheDirectory.appendingPathComponent(".\(file.name).\(UUID().uuidString).partial")
            do {
                try transport.download(url, to: temporary, maximumBytes: file.size, progress: progress)
                if let size = file.size {
                    let received = (try? FileManager.default.attributesOfItem(atPath: temporary.path)[.size] as? NSNumber)?.int64Value ?? -1
                    guard received == size else {
                        let what = received < size ? "an incomplete download" : "more than was published"
                        throw DataError.malformed(file: file.name, expected: "\(size) bytes", actual: "\(received) bytes (\(what); deleted)")
                    }
                }
                if verifying { try verify(temporary, file, deleteOnMismatch: true) }
                return temporary
            } catch let error as DataError {
                try? FileManager.default.removeItem(at: temporary)
                if case .checksumMismatch = error { throw error }
                failures.append("\(url.absoluteString): \(error)")
            } catch {
                try? FileManager.default.removeItem(at: temporary)
                failures.append("\(url.absoluteString): \(error.localizedDescription)")
            }
        }
        throw DataError.notFound(
            file: file.name, searched: (dataDirectories + [cacheDirectory]).map(\.path),
            hint: "Downloading failed (\(failures.joined(separator: "; "))). Put a copy of \(file.name) in a folder and pass it with --data-dir or VIGIL_DATA_DIR.")
    }

    private func createCacheDirectory() throws {
        do {
            try FileManager.default.createDirectory(at: cacheDirectory, withIntermediateDirectories: true)
        } catch {
            throw DataError.ioFailure(file: cacheDirectory.path, reason: "cannot create the cache folder: \(error.localizedDescription)")
        }
    }

    private func verify(_ location: URL, _ file: RemoteDataFile, deleteOnMismatch: Bool) throws {
        let digest = try Self.sha256(of: location.path)
        guard digest == file.sha256 else {
            if deleteOnMismatch { try? FileManager.default.removeItem(at: location) }
            throw DataError.checksumMismatch(file: location.path, expected: file.sha256, actual: digest, deleted: deleteOnMismatch)
        }
    }

    /// The SHA-256 of a file's bytes (as stored, not decompressed).
    public static func sha256(of path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw DataError.cannotOpen(file: path, reason: "no such file") }
        defer { try? handle.close() }
        var hasher = SHA256()
        while true {
            let chunk: Data
            do { chunk = try handle.read(upToCount: 1 << 20) ?? Data() } catch {
                throw DataError.ioFailure(file: path, reason: "\(error)")
            }
            if chunk.isEmpty { break }
            chunk.withUnsafeBytes { hasher.update($0) }
        }
        return hasher.finalizeHex()
    }
}
