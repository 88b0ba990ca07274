import ArgumentParser
import Foundation
import VigilData
import VigilDetect
import VigilTensor

/// `vigil fetch-detector`: a published, ready-trained detector, as alibi-detect's `fetch_detector`.
struct FetchDetector: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch-detector",
        abstract: "Fetch a published, ready-trained detector by name, verify it and load it.",
        discussion: """
            NAME is looked up in the catalog (--catalog, else VIGIL_CATALOG, else the first \
            Pretrained/catalog.json in the program's folder or a folder above it — the \
            repository a built program sits in — else in the current folder or above). An http(s) archive is downloaded into the cache with progress; \
            one beside the catalog is read in place. The archive must match the catalog's size \
            and SHA-256 and hold a detector of the entry's kind and feature count; only then is \
            it written, to --to DIR (replacing a detector there only with --overwrite) or to the \
            cache's detectors/NAME. --list prints the catalog.
            """)

    @Argument(help: "The detector's name in the catalog (omit with --list).") var name: String?
    @Option(help: "The folder to write the detector to (default: the cache's detectors/NAME).") var to: String?
    @Flag(help: "Replace a detector already saved at --to (never a file or any other folder).") var overwrite = false
    @Option(help: "The catalog file (default: VIGIL_CATALOG, else the first Pretrained/catalog.json in the program's folder or above, else in the current folder or above).") var catalog: String?
    @Flag(help: "List the catalog's detectors and exit.") var list = false
    @OptionGroup var location: DataCommand.Location

    func validate() throws {
        if !list && name == nil { throw ValidationError("Name a detector, or pass --list to see the catalog's.") }
    }

    func run() throws {
        let catalog = try PretrainedCatalog.load(from: try Self.catalogFile(explicit: catalog))
        if list {
            for entry in catalog.entries {
                say("\(entry.name)  \(entry.kind), \(entry.featureCount) features, \(entry.size) bytes: \(messageText(entry.description))")
            }
            return
        }
        let name = name ?? ""
        let (folder, detector) = try catalog.fetch(
            name, store: location.store, to: to.map { URL(fileURLWithPath: $0) }, overwrite: overwrite,
            progress: DownloadProgress(name: name).report)
        let threshold = detector.threshold.map { "threshold \($0.value)" } ?? "no threshold"
        say("\(name): \(type(of: detector).kind), \(detector.featureCount) features, \(threshold), verified and loaded from \(folder.path)")
    }

    /// The catalog to read: the one named, else `VIGIL_CATALOG`, else `Pretrained/catalog.json`
    /// in a folder above the program or the current folder.
    static func catalogFile(explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> URL {
        if let path = explicit ?? environment["VIGIL_CATALOG"] { return URL(fileURLWithPath: path) }
        let program = Bundle.main.executableURL?.resolvingSymlinksInPath().deletingLastPathComponent()
        let starts = (program.map { [$0] } ?? []) + [URL(fileURLWithPath: FileManager.default.currentDirectoryPath)]
        for start in starts {
            var folder = start.standardizedFileURL
            while true {
                let candidate = folder.appendingPathComponent("Pretrained/catalog.json")
                if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
                let parent = folder.deletingLastPathComponent()
                if parent.path == folder.path { break }
                folder = parent
            }
        }
        throw DataError.notFound(
            file: "Pretrained/catalog.json", searched: starts.map(\.path),
            hint: "Those folders and every folder above them were searched; pass the catalog with --catalog FILE or VIGIL_CATALOG.")
    }
}
