import Foundation
import VigilData
import VigilTensor

/// A catalog of published, ready-trained detectors, as alibi-detect's `fetch_detector` has:
/// each entry names a tar archive of a saved detector folder by address, size and SHA-256.
///
/// The catalog is a JSON file (`Pretrained/catalog.json` in the repository; the format is in
/// `Documentation/DetectorFormat.md`):
///
/// ```json
/// {"format": "vigil-pretrained-catalog", "formatVersion": 1,
///  "detectors": [{"name": "kdd-aegmm", "kind": "OutlierAEGMM", "featureCount": 18,
///                 "description": "…", "url": "kdd-aegmm.tar", "size": 35328, "sha256": "…"}]}
/// ```
///
/// An `http`/`https` address is looked up as `NAME-<first 12 digits of sha256>.tar` in the data
/// folders and the cache, else downloaded into the cache; any other is the name of a file
/// beside the catalog, so detectors published with it resolve with no network.
public struct PretrainedCatalog: Sendable, Equatable {
    /// The value of the file's `format` field.
    public static let format = "vigil-pretrained-catalog"
    /// The newest `formatVersion` this Vigil reads.
    public static let currentFormatVersion = 1

    /// One published detector.
    public struct Entry: Codable, Sendable, Equatable {
        /// The name `vigil fetch-detector` takes: letters, digits, `.`, `_` and `-`.
        public var name: String
        /// The detector kind its `config.json` holds (``OutlierDetector/kind``).
        public var kind: String
        /// The number of features it scores.
        public var featureCount: Int
        /// What it was trained on, how, and how well it does.
        public var description: String
        /// The archive's address: `http(s)://…`, or the name of a file beside the catalog.
        public var url: String
        /// The archive's size in bytes.
        public var size: Int64
        /// The archive's SHA-256, lowercase hexadecimal.
        public var sha256: String

        /// An entry; ``PretrainedCatalog/load(from:)`` checks each field.
        public init(name: String, kind: String, featureCount: Int, description: String, url: String, size: Int64, sha256: String) {
            self.name = name
            self.kind = kind
            self.featureCount = featureCount
            self.description = description
            self.url = url
            self.size = size
            self.sha256 = sha256
        }
    }

    /// The published detectors, in the file's order.
    public var entries: [Entry]
    /// The folder relative addresses are resolved against.
    public var baseFolder: URL
    /// The catalog file, for messages.
    public var file: String

    private struct Stored: Codable {
        var format: String
        var formatVersion: Int
        var detectors: [Entry]
    }

    /// The catalog in `file`, every entry checked: a known kind, a unique name, a size within
    /// the detector limits, a 64-digit SHA-256 and an address that is `http(s)` or the name
    /// of a file beside the catalog (no folders, so no way out of it).
    ///
    /// - Throws: ``PersistenceError`` naming the file and the entry.
    public static func load(from file: URL) throws -> PretrainedCatalog {
        let bytes = try DetectorStore.read(file.path, maximumBytes: InputLimits.current.maximumConfigBytes, setting: "VIGIL_MAX_CONFIG_BYTES")
        let stored: Stored
        do { stored = try JSONDecoder().decode(Stored.self, from: Data(bytes)) } catch {
            throw PersistenceError.malformed(file: file.path, problem: "not a detector catalog (\(DetectorStore.describe(error)))")
        }
        guard stored.format == format else {
            throw PersistenceError.malformed(file: file.path, problem: "format \"\(stored.format)\", expected \"\(format)\"")
        }
        guard stored.formatVersion >= 1 else {
            throw PersistenceError.malformed(file: file.path, problem: "formatVersion \(stored.formatVersion), expected 1…\(currentFormatVersion)")
        }
        guard stored.formatVersion <= currentFormatVersion else {
            throw PersistenceError.newerFormat(file: file.path, version: stored.formatVersion, supported: currentFormatVersion)
        }
        var names: Set<String> = []
        for (index, entry) in stored.detectors.enumerated() {
            let problem = check(entry, archiveLimit: maximumArchiveBytes)
                ?? (names.insert(entry.name).inserted ? nil : "a second entry named \"\(entry.name)\"")
            if let problem { throw PersistenceError.malformed(file: file.path, problem: "detectors[\(index)]: \(problem)") }
        }
        return PretrainedCatalog(entries: stored.detectors, baseFolder: file.deletingLastPathComponent(), file: file.path)
    }

    /// The entry named `name`.
    ///
    /// - Throws: ``PersistenceError/malformed(file:problem:)`` listing the names there are.
    public func entry(named name: String) throws -> Entry {
        guard let entry = entries.first(where: { $0.name == name }) else {
            throw PersistenceError.malformed(
                file: file, problem: "no detector named \"\(name)\"; the catalog has \(entries.map(\.name).joined(separator: ", "))")
        }
        return entry
    }

    /// The entry's JSON, for a catalog.
    public static func json(of entry: Entry) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(entry), as: UTF8.self)
    }

    /// What is wrong with `name` as an entry's name, or `nil`.
    public static func problem(withName name: String) -> String? {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        guard !name.isEmpty, name.count <= 100, name.allSatisfy(allowed.contains), !name.hasPrefix(".") else {
            return "name \"\(messageText(name))\": expected 1–100 letters, digits, '.', '_' or '-', not starting with '.'"
        }
        return nil
    }

    /// The largest archive an entry may name: a detector's weights at the element limit and its `config.json`.
    static var maximumArchiveBytes: Int64 {
        let limits = InputLimits.current
        return Int64(min(limits.maximumElements, 1 << 40)) * 4 + Int64(limits.maximumConfigBytes) * 2 + Int64(SafeTensors.maximumHeaderBytes) + 8192
    }

    /// What is wrong with `entry`, or `nil`.
    private static func check(_ entry: Entry, archiveLimit: Int64) -> String? {
        if let problem = problem(withName: entry.name) { return problem }
        guard DetectorRegistry.kind(named: entry.kind) != nil else {
            return "\"\(entry.name)\": unknown detector kind \"\(messageText(entry.kind))\""
        }
        guard (1...InputLimits.current.maximumLayerUnits).contains(entry.featureCount) else {
            return "\"\(entry.name)\": featureCount \(entry.featureCount), expected 1…\(InputLimits.current.maximumLayerUnits)"
        }
        guard (1...archiveLimit).contains(entry.size) else { return "\"\(entry.name)\": size \(entry.size), expected 1…\(archiveLimit) bytes" }
        guard entry.sha256.count == 64, entry.sha256.allSatisfy(Set("0123456789abcdef").contains) else {
            return "\"\(entry.name)\": sha256 \"\(messageText(entry.sha256))\", expected 64 lowercase hexadecimal digits"
        }
        if remoteURL(entry.url) == nil {
            guard !entry.url.isEmpty, entry.url.count <= 255, !entry.url.contains("/"), !entry.url.contains(":"), !entry.url.contains("\0"),
                entry.url != ".", entry.url != ".."
            else {
                return "\"\(entry.name)\": url \"\(messageText(entry.url))\", expected http(s)://… or the name of a file beside the catalog"
            }
        }
        return nil
    }

    /// `text` as an `http`/`https` URL with a host, or `nil`.
    static func remoteURL(_ text: String) -> URL? {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme), url.host != nil else { return nil }
        return url
    }
}
